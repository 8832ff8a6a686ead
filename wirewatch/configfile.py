"""YAML configuration files that report ``file:line: message`` for every problem.

Files (``read_yaml``) and text handed in directly (``parse_yaml``: a watchlist
from Kafka, one pasted into the console) are read the same way: one pass over
the events of ruamel.yaml's C parser builds plain data (mappings, sequences,
strings, numbers, booleans, null, dates) and nothing else. Input larger than
``MAX_CONFIG_BYTES``, nesting deeper than ``MAX_DEPTH``, anchors and aliases
(the "billion laughs" bomb), merge keys and tags that construct objects
(``!!python/…``, ``!!binary``, ``!!set``, ``!custom``) are refused at their
line as soon as the parser reaches them, so hostile input costs no more than
reading it once. The data is then validated by a pydantic model; validation
errors are mapped back to the line of the offending key, so
``wirewatch watchlist check`` can say *where*. A bad file never half-loads:
``load_model`` returns a complete model or raises ``ConfigError`` listing
every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver

from wirewatch.errors import ConfigError, Issue

M = TypeVar("M", bound=BaseModel)
Loc = Sequence[str | int]

#: Largest configuration file or text read: several times a 20,000-entry watchlist with five
#: spellings each, and small enough that a file under it is checked in reasonable memory.
MAX_CONFIG_BYTES = 16 * 1024 * 1024

#: Deepest nesting of mappings and sequences; the files themselves need six.
MAX_DEPTH = 32

_CORE = "tag:yaml.org,2002:"
_STR = _CORE + "str"
#: Explicit tags that only spell out what a plain value is; every other tag is refused.
_PLAIN_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_COLLECTION_TAGS = {MappingStartEvent: _CORE + "map", SequenceStartEvent: _CORE + "seq"}

# YAML 1.2 rules for plain scalars (``12`` is an int, ``~`` null…), by first character: the
# table ruamel's resolver walks (ruamel.yaml 0.18), read once because its lookup per scalar
# costs more than the parse itself.
_TABLE = VersionedResolver().versioned_resolver
_FALLBACK = _TABLE.get(None, [])
_RULES = {first: [*rules, *_FALLBACK] for first, rules in _TABLE.items() if first is not None}

_NO_KEY = object()

#: Line of a value and, for a collection, of its children: ``{key: (key line, child)}`` or ``[child]``.
Lines = tuple[int, Any]


@dataclass
class YamlDocument:
    """Parsed YAML plus, on demand, the line numbers of its nodes (1-based).

    The lines are read by a second pass over the text only when an issue
    needs one, so valid files pay nothing for them.
    """

    name: str
    data: Any
    text: str
    _lines: Lines | None = None

    def line_of(self, loc: Loc) -> int | None:
        """Line of the deepest node on ``loc`` that exists, e.g. ``("actors", 3, "aliases")``."""
        if self._lines is None:
            self._lines = _Builder(self.name, keep_lines=True).build(self.text)[1]
        node = self._lines
        line: int | None = node[0] if node else None
        for part in loc:
            children = node[1] if node else None
            if isinstance(children, dict) and part in children:
                line, node = children[part]
            elif isinstance(children, list) and isinstance(part, int) and 0 <= part < len(children):
                node = children[part]
                line = node[0]
            else:
                break
        return line

    def issue(self, loc: Loc, message: str) -> Issue:
        """An ``Issue`` for the node at ``loc``."""
        return Issue(self.name, self.line_of(loc), message)


class _Open:
    """A mapping or sequence being built, with its children's lines when they are kept."""

    __slots__ = ("key", "key_line", "line", "lines", "value")

    def __init__(self, value: dict[str, Any] | list[Any], line: int, keep_lines: bool):
        self.value = value
        self.lines: Any = type(value)() if keep_lines else None
        self.line = line
        self.key: Any = _NO_KEY
        self.key_line = 0


class _Builder:
    """Plain data from YAML events; refuses what a configuration file never needs."""

    def __init__(self, name: str, keep_lines: bool = False):
        self.name = name
        self.keep_lines = keep_lines
        self.yaml = YAML(typ="safe")
        self.constructor = SafeConstructor(loader=self.yaml)
        self.stack: list[_Open] = []
        self.root: Any = None
        self.root_lines: Lines | None = None

    def refuse(self, event: Event, message: str) -> NoReturn:
        raise ConfigError([Issue(self.name, event.start_mark.line + 1, message)])

    def build(self, text: str) -> tuple[Any, Lines | None]:
        """The single document of ``text`` as plain data, and its lines when kept."""
        documents = 0
        for event in self.yaml.parse(text):
            kind = type(event)
            if kind is ScalarEvent:
                self.add(self.scalar(event), event.start_mark.line + 1)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                self.open(event)
            elif isinstance(event, CollectionEndEvent):
                done = self.stack.pop()
                self.add(done.value, done.line, done.lines)
            elif kind is AliasEvent:
                self.refuse(event, "YAML anchors and aliases are not supported")
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.refuse(event, "invalid YAML: expected a single document in the stream")
        return self.root, self.root_lines

    def scalar(self, event: ScalarEvent) -> Any:
        if event.anchor is not None:
            self.refuse(event, "YAML anchors and aliases are not supported")
        value: str = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value
            tag = next((t for t, rule in _RULES.get(value[:1], _FALLBACK) if rule.match(value)), _STR)
            if tag not in _PLAIN_TAGS:
                if tag == _CORE + "merge":
                    self.refuse(event, "YAML merge keys (<<) are not supported")
                self.refuse(event, f"{_short(value)} means something else in YAML: quote it")
        elif tag not in _PLAIN_TAGS:
            self.refuse(event, f"YAML tag {_shown(tag)} is not supported")
        if tag == _STR:
            return value
        node = ScalarNode(tag, value, event.start_mark, event.end_mark)
        try:
            return SafeConstructor.yaml_constructors[tag](self.constructor, node)
        except Exception:  # int("1" * 5000), 2024-13-45, !!int abc…
            self.refuse(event, f"invalid YAML: cannot read {_short(value)} as {_shown(tag)}")

    def open(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        if event.anchor is not None:
            self.refuse(event, "YAML anchors and aliases are not supported")
        if event.tag not in (None, "!", _COLLECTION_TAGS[type(event)]):
            self.refuse(event, f"YAML tag {_shown(str(event.tag))} is not supported")
        if self.stack and self.stack[-1].key is _NO_KEY and isinstance(self.stack[-1].value, dict):
            self.refuse(event, "mapping keys must be plain values, not lists or mappings")
        if len(self.stack) >= MAX_DEPTH:
            self.refuse(event, f"nested deeper than {MAX_DEPTH} levels")
        value: dict[str, Any] | list[Any] = {} if type(event) is MappingStartEvent else []
        self.stack.append(_Open(value, event.start_mark.line + 1, self.keep_lines))

    def add(self, value: Any, line: int, children: Any = None) -> None:
        """Put a finished value into the collection being built (or make it the document)."""
        lines = (line, children) if self.keep_lines else None
        if not self.stack:
            self.root, self.root_lines = value, lines
            return
        top = self.stack[-1]
        if isinstance(top.value, list):
            top.value.append(value)
            if top.lines is not None:
                top.lines.append(lines)
        elif top.key is _NO_KEY:
            top.key, top.key_line = str(value), line
        else:
            key, top.key = top.key, _NO_KEY
            if key in top.value:
                raise ConfigError(
                    [Issue(self.name, top.key_line, f'invalid YAML: found duplicate key "{key}"')]
                )
            top.value[key] = value
            if top.lines is not None:
                top.lines[key] = (top.key_line, lines)


def _short(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def _shown(tag: str) -> str:
    """A tag as written: ``!!binary`` rather than ``tag:yaml.org,2002:binary``."""
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _too_large(name: str) -> ConfigError:
    limit = MAX_CONFIG_BYTES // (1024 * 1024)
    return ConfigError([Issue(name, None, f"larger than {limit} MB, the limit for a configuration file")])


def parse_yaml(text: str, name: str) -> YamlDocument:
    """Parse YAML text (a file's, or one handed in directly); every refusal is a ``ConfigError``."""
    if len(text) > MAX_CONFIG_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES:
        raise _too_large(name)
    try:
        data, _ = _Builder(name).build(text)
    except ConfigError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([Issue(name, line, f"invalid YAML: {problem}")]) from None
    except ReaderError as exc:  # a control character; its position counts UTF-8 bytes
        line = text.encode("utf-8", "surrogatepass").count(b"\n", 0, exc.position) + 1
        problem = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        raise ConfigError([Issue(name, line, f"invalid YAML: {problem}")]) from None
    except UnicodeEncodeError as exc:  # text from outside a file can hold lone surrogates
        line = text.count("\n", 0, exc.start) + 1
        raise ConfigError(
            [Issue(name, line, f"invalid YAML: {text[exc.start]!r} is not a character")]
        ) from None
    except Exception as exc:  # any other unmarked error of the parser
        problem = next(iter(str(exc).splitlines()), type(exc).__name__)
        raise ConfigError([Issue(name, None, f"invalid YAML: {problem}")]) from None
    return YamlDocument(name=name, data=data, text=text)


def read_yaml(path: Path | str) -> YamlDocument:
    """Read and parse a YAML file; missing, unreadable or huge files raise ``ConfigError``."""
    path = Path(path)
    name = str(path)
    try:
        # Read one byte past the limit rather than trusting stat: /dev/zero has size 0.
        with path.open("rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise _too_large(name)
        # Universal newlines, as reading in text mode gives.
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
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
