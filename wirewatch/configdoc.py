"""``docs/configuration.md``, generated from the models that read the configuration.

Run ``python -m wirewatch.configdoc`` after changing a setting, a YAML key or
a ``description=``: it rewrites docs/configuration.md, and
tests/unit/kernel/test_configdoc.py fails while the committed copy differs.
The tables come from the pydantic models themselves (each key's type,
default and description), so the reference says what the loaders accept;
the how-tos and examples are in ``wirewatch.configdoc_text``.

The feed and channel models belong to the ingest and alerts services, which
the kernel never imports: like ``wirewatch.cli``, this composition root
loads them by module name (``_load``), so the dependency rule still holds.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MinLen
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from wirewatch import configdoc_text as text
from wirewatch import watchlist
from wirewatch.settings import Settings

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "docs" / "configuration.md"

_NAMES = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "true / false",
    Path: "path",
    SecretStr: "secret",
}
_BOUNDS = ((Ge, "ge", "≥"), (Gt, "gt", ">"), (Le, "le", "≤"), (Lt, "lt", "<"))


def _load(spec: str) -> Any:
    """``module:attribute`` of a service, imported by name (see the module docstring)."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


#: The parsed types of the kernel (``wirewatch.durations``) and ingest (sizes), by validator.
_PARSED = {"_from_yaml": "duration (`90s`, `5m`, `2h`)", "_size": "size (`512KB`, `10MB`)"}


def _parsed(metadata: Any) -> str | None:
    for meta in metadata:
        name = getattr(getattr(meta, "func", None), "__name__", "")
        if name in _PARSED:
            return _PARSED[name]
    return None


def _kind(field: FieldInfo) -> str | None:
    """``duration`` or ``size`` for a field of a parsed type, optional ones included."""
    found = _parsed(field.metadata)
    for arg in get_args(field.annotation):
        found = found or (_parsed(get_args(arg)[1:]) if get_origin(arg) is Annotated else None)
    return found


def _type(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _parsed(args[1:]) or _type(args[0])
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (Union, types.UnionType):
        return " or ".join(_type(a) for a in args if a is not type(None))
    if origin is list:
        return f"list of {_type(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping (below)"
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _bounds(field: FieldInfo) -> str:
    parts = []
    for meta in field.metadata:
        for kind, attr, sign in _BOUNDS:
            if isinstance(meta, kind):
                parts.append(f"{sign} {getattr(meta, attr)}")
        if isinstance(meta, MinLen) and meta.min_length:
            parts.append(f"at least {meta.min_length}")
    return f", {' '.join(parts)}" if parts else ""


def _seconds(value: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if value >= size and value % size == 0:
            return f"{value // size:g}{unit}"
    return f"{value:g}s"


def _bytes(value: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return str(value)


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "see description"
    value = field.default
    if value is PydanticUndefined:
        return "**required**"
    if value is None:
        return "—"
    if isinstance(value, BaseModel):
        return "see below"
    kind = _kind(field) or ""
    if kind.startswith("duration"):
        return f"`{_seconds(float(value))}`"
    if kind.startswith("size"):
        return f"`{_bytes(int(value))}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return "`[" + ", ".join(str(v) for v in value) + "]`"
    return f"`{value}`"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


_HEADER = "| {} | type | default | what it does |\n|---|---|---|---|"


def _row(key: str, field: FieldInfo) -> str:
    kind = (_kind(field) or _type(field.annotation)) + _bounds(field)
    return f"| `{key}` | {kind} | {_default(field)} | {_cell(field.description or '')} |"


def table(model: type[BaseModel], skip: tuple[str, ...] = ()) -> str:
    """The markdown table of a YAML model's keys: key, type, default, description."""
    rows = [_row(name, field) for name, field in model.model_fields.items() if name not in skip]
    return "\n".join([_HEADER.format("key"), *rows])


def settings_table() -> str:
    """Every ``WIREWATCH_*`` variable of ``Settings``: its type, default and description."""
    rows = [_row(f"WIREWATCH_{name.upper()}", field) for name, field in Settings.model_fields.items()]
    return "\n".join([_HEADER.format("variable"), *rows])


def secret_variables(config: Path = REPO / "config") -> list[str]:
    """Every variable a shipped config file names in a ``*_env`` key, commented examples included."""
    found = set()
    for path in sorted(config.glob("*.yaml")):
        found.update(re.findall(r"\b\w+_env:\s*([A-Z_][A-Z0-9_]*)", path.read_text(encoding="utf-8")))
    return sorted(found)


def _section(title: str, model: type[BaseModel], skip: tuple[str, ...] = (), level: str = "###") -> str:
    intro = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ").replace("``", "`")
    keys = [name for name in model.model_fields if name not in skip]
    body = table(model, skip) if keys else "No keys beyond those of every channel."
    return f"{level} {title}\n\n{intro}\n\n{body}\n"


def _channel_sections() -> list[str]:
    registry = _load("alerts.channels.registry:ChannelRegistry").default(plugins=False)
    common = _load("alerts.channels.base:ChannelOptions")
    out = [_section("Every channel", common)]
    for type_name in registry:
        options = registry.get(type_name).Options
        out.append(_section(f"`type: {type_name}`", options, skip=tuple(common.model_fields)))
        for name, field in options.model_fields.items():
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
                out.append(_section(f"`{name}:` ({type_name} channels)", field.annotation, level="####"))
    return out


def _file(name: str, intro: str, example: str) -> str:
    return f"## `{name}`\n\n{intro}\n\n```yaml\n{example}```\n"


def render() -> str:
    """The whole of docs/configuration.md."""
    feeds = "ingest.config:"
    parts = [
        text.INTRO,
        text.HOWTO,
        "## Environment variables\n\n" + text.SETTINGS_INTRO + "\n\n" + settings_table() + "\n",
        text.SECRETS_INTRO + "\n\n" + "\n".join(f"- `{v}`" for v in secret_variables()) + "\n",
        _file("watchlist.yaml", text.WATCHLIST_INTRO, text.WATCHLIST_EXAMPLE),
        _section("Top level", watchlist.Watchlist),
        _section("`actors:` entries", watchlist.Actor),
        _section("`regions:` entries", watchlist.Region),
        _section("`escalations:` entries", watchlist.Escalation),
        _section("`terms:` of an escalation", watchlist.Terms),
        _section("`rules:` entries", watchlist.Rule),
        _section("`when:` of a rule", watchlist.When),
        _file("feeds.yaml", text.FEEDS_INTRO, text.FEEDS_EXAMPLE),
        _section("Top level", _load(feeds + "FeedsConfig")),
        _section("`defaults:`", _load(feeds + "Defaults")),
        _section("`limits:`", _load(feeds + "Limits")),
        _section("`feeds:` entries", _load(feeds + "FeedConfig")),
        _file("channels.yaml", text.CHANNELS_INTRO, text.CHANNELS_EXAMPLE),
        _section("Top level", _load("alerts.config:ChannelsFile")),
        _section("`retry:`", _load("alerts.config:RetryPolicy")),
        *_channel_sections(),
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Write docs/configuration.md (or ``--check``: exit 1 if it is not current)."""
    args = sys.argv[1:] if argv is None else argv
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
    wanted = render()
    if "--check" in args:
        return 0 if current == wanted else 1
    TARGET.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
