"""YAML configuration files that report ``file:line: message`` for every problem.

A file is parsed with ruamel.yaml (which keeps line numbers), then validated
by a pydantic model. Validation errors are mapped back to the line of the
offending key, so ``wirewatch watchlist check`` can say *where*. A bad file
never half-loads: ``load_model`` returns a complete model or raises
``ConfigError`` listing every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from wirewatch.errors import ConfigError, Issue

M = TypeVar("M", bound=BaseModel)
Loc = Sequence[str | int]

#: Largest configuration file read (a watchlist of 20k aliases is ~1 MB).
MAX_CONFIG_BYTES = 32 * 1024 * 1024


@dataclass
class YamlDocument:
    """Parsed YAML plus, on demand, the line numbers of its nodes (1-based).

    The data comes from the fast (C) safe loader; the round-trip tree that
    knows line numbers is parsed only when an issue needs a line — about six
    times slower on a 20,000-alias watchlist, and only paid for bad files.
    """

    name: str
    data: Any
    text: str
    _tree: Any = None

    @property
    def tree(self) -> Any:
        if self._tree is None:
            yaml = YAML(typ="rt")
            yaml.allow_duplicate_keys = False
            self._tree = yaml.load(self.text)
        return self._tree

    def line_of(self, loc: Loc) -> int | None:
        """Line of the deepest node on ``loc`` that exists, e.g. ``("actors", 3, "aliases")``."""
        node = self.tree
        line = _node_line(node)
        for part in loc:
            if isinstance(node, CommentedMap) and part in node:
                pos = node.lc.key(part)
                line = pos[0] + 1 if pos else line
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                pos = node.lc.item(part)
                line = pos[0] + 1 if pos else line
                node = node[part]
            else:
                break
        return line

    def issue(self, loc: Loc, message: str) -> Issue:
        """An ``Issue`` for the node at ``loc``."""
        return Issue(self.name, self.line_of(loc), message)


def _node_line(node: Any) -> int | None:
    lc = getattr(node, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else None


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def parse_yaml(text: str, name: str) -> YamlDocument:
    """Parse YAML text; a syntax error becomes ``ConfigError`` at its line."""
    yaml = YAML(typ="safe")
    yaml.allow_duplicate_keys = False
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([Issue(name, line, f"invalid YAML: {problem}")]) from None
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. bad tags)
        raise ConfigError([Issue(name, None, f"invalid YAML: {exc}")]) from None
    return YamlDocument(name=name, data=_plain(data), text=text)


def read_yaml(path: Path | str) -> YamlDocument:
    """Read and parse a YAML file; missing, unreadable or huge files raise ``ConfigError``."""
    path = Path(path)
    name = str(path)
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError([Issue(name, None, f"file is larger than {MAX_CONFIG_BYTES} bytes")])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Issue(name, None, "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([Issue(name, None, f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ConfigError([Issue(name, None, f"cannot read: {exc.strerror}")]) from None
    return parse_yaml(text, name)


def _describe(error: Any) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}"
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    field = ".".join(str(p) for p in loc if not isinstance(p, int)) or "file"
    return f"{field}: {error['msg']}"


def validation_issues(doc: YamlDocument, exc: ValidationError) -> list[Issue]:
    """Turn pydantic errors into ``file:line`` issues, in file order."""
    issues = []
    for error in exc.errors():
        # Union/tagged members add their own names to loc; keep the data path.
        loc = [p for p in error["loc"] if isinstance(p, int) or not str(p).startswith("function-")]
        issues.append(doc.issue(loc, _describe(error)))
    return sorted(issues, key=lambda i: i.line or 0)


def load_model(
    doc: YamlDocument,
    model: type[M],
    checks: Callable[[M, YamlDocument], Iterable[Issue]] | None = None,
) -> M:
    """Validate ``doc`` as ``model``, then run cross-field ``checks``.

    Raises ``ConfigError`` with every issue; returns the model only when the
    whole file is valid.
    """
    if not isinstance(doc.data, dict):
        raise ConfigError([Issue(doc.name, 1, "expected a mapping at the top of the file")])
    try:
        value = model.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigError(validation_issues(doc, exc)) from None
    if checks is not None:
        issues = sorted(checks(value, doc), key=lambda i: i.line or 0)
        if issues:
            raise ConfigError(issues)
    return value
