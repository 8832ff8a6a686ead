"""What ``wirewatch try`` reads and prints: its texts checked, and a ``Decision`` for people or as JSON lines.

``try`` is strict about what it is given, so that a script never takes a
silent "no alert" for an answer: an empty text, a text given with
``--jsonl``, a language other than fr or en, and input that is not UTF-8 are
errors (one line each, exit 2); with ``--jsonl``, per line with its number,
and the other lines are still answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from processors.matching.decision import Decision
from processors.matching.engine import Engine
from wirewatch.errors import ConfigError, Issue

#: The languages the matching engine knows (a text's ``lang``, or none).
LANGS = ("fr", "en")


def check_try_options(texts: list[str] | None, jsonl: bool, lang: str | None) -> None:
    """Refuse options that contradict each other or that ``try`` would not use; called first."""
    issues = []
    if lang is not None and lang not in LANGS:
        issues.append(Issue("--lang", None, f"expected fr or en, got {lang!r}"))
    if jsonl and texts:
        issues.append(Issue("--jsonl", None, "reads the JSON lines from stdin: give no text with it"))
    if issues:
        raise ConfigError(issues)


def texts_to_try(texts: list[str] | None, stdin: IO[str]) -> list[str]:
    """The texts given as arguments, else stdin's whole text; each must be UTF-8 and not blank."""
    if texts:
        issues = [_text_issue(f"text {n}", text, "empty") for n, text in enumerate(texts, start=1)]
    else:
        text, issue = _read_stdin(stdin)
        empty = "empty: give the text to match as an argument, or on stdin"
        texts, issues = [text], [issue or _text_issue("<stdin>", text, empty)]
    found = [i for i in issues if i is not None]
    if found:
        raise ConfigError(found)
    return texts


def _text_issue(where: str, text: str, empty: str) -> Issue | None:
    if not _is_utf8(text):
        return Issue(where, None, "not UTF-8 text")
    if not text.strip():
        return Issue(where, None, empty)
    return None


def _read_stdin(stdin: IO[str]) -> tuple[str, Issue | None]:
    raw = getattr(stdin, "buffer", None)
    if raw is None:  # a text stream with no bytes under it (tests)
        return stdin.read(), None
    data: bytes = raw.read()
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return "", Issue("<stdin>", line, f"not UTF-8 text: byte 0x{data[exc.start]:02x}")


def _is_utf8(text: str) -> bool:
    # Undecodable input bytes reach Python as lone surrogates (surrogateescape).
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def jsonl_answer(item_id: Any, decision: Decision) -> dict[str, Any]:
    """The ``try --jsonl`` contract (DESIGN.md): exactly these keys, canonical names."""
    return {
        "id": item_id,
        "actors": list(decision.actors),
        "regions": list(decision.regions),
        "escalations": list(decision.escalations),
        "alert": decision.alert,
        "severity": decision.severity,
        "rules": [r.name for r in decision.rules],
    }


def _item_text(line: str, default_lang: str | None) -> tuple[Any, str, str | None]:
    try:
        obj = json.loads(line)
    except ValueError:
        obj = None
    if not isinstance(obj, dict):
        raise ValueError(f"not a JSON object: {_excerpt(line)}")
    if "id" not in obj:
        raise ValueError("missing 'id'")
    lang = obj.get("lang", default_lang)
    if lang is not None and lang not in LANGS:
        raise ValueError(f"'lang' must be fr, en or null, got {lang!r}")
    if isinstance(obj.get("text"), str):
        text = obj["text"]
    else:
        title, summary = obj.get("title"), obj.get("summary", "")
        if not isinstance(title, str) or not isinstance(summary, str):
            raise ValueError("give 'text', or 'title' (and optional 'summary') as strings")
        text = f"{title}\n{summary}" if summary else title
    if not text.strip():
        raise ValueError("the text to match is empty")
    return obj["id"], text, lang


def _excerpt(line: str, width: int = 40) -> str:
    line = line.strip()
    return repr(line if len(line) <= width else line[:width] + "…")


def _line_text(line: str | bytes) -> str:
    if isinstance(line, bytes):
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text: byte 0x{line[exc.start]:02x}") from None
    if not _is_utf8(line):
        raise ValueError("not UTF-8 text")
    return line


def run_jsonl(
    engine: Engine,
    src: Iterable[str | bytes],
    out: IO[str],
    err: IO[str],
    default_lang: str | None = None,
) -> int:
    """Answer each JSON line of ``src`` on ``out``; report bad lines on ``err``.

    Lines are text, or bytes decoded strictly as UTF-8. A line without ``lang``
    takes ``default_lang`` (``try --lang``). Returns the number of bad lines
    (the CLI exits 2 when it is not zero).
    """
    bad = 0
    for number, line in enumerate(src, start=1):
        try:
            text_line = _line_text(line)
            if not text_line.strip():
                continue
            item_id, text, lang = _item_text(text_line, default_lang)
        except ValueError as exc:
            bad += 1
            print(f"<stdin>:{number}: {exc}", file=err, flush=True)
            continue
        answer = jsonl_answer(item_id, engine.evaluate(text, lang))
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()
    return bad


def explain(engine: Engine, decision: Decision) -> str:
    """A few lines a person reads: each match (entity, alias, words, score), then the decision.

    A match that counts as another entry than its alias's says why (a capital speaking for its
    government), and so does one whose spelling another entry shares (which one the context
    picked, or that it is ambiguous); when the text has an escalation and a watched name, the
    last line says within what each rule looks for them together.
    """
    lines = [f"watchlist {engine.version}"]
    notes = {(start, end): why for start, end, why in decision.notes}
    for m in decision.matches:
        why = notes.get((m.start, m.end)) if m.kind != "escalation" else None
        lines.append(
            f"  {m.kind:<10} {m.entity}  ← alias {m.alias!r} matched {m.matched!r} "
            f"[{m.start}:{m.end}] score {m.score:.0f}" + (f" ({why})" if why else "")
        )
    if not decision.matches:
        lines.append("  no match")
    if decision.alert:
        fired = ", ".join(
            f"{r.name} ({r.severity}{' → ' + ', '.join(r.notify) if r.notify else ''})"
            for r in decision.rules
        )
        lines.append(f"ALERT severity {decision.severity}: rules {fired}")
    else:
        lines.append("no alert")
    scopes = engine.scopes()
    if decision.escalations and (decision.actors or decision.regions) and scopes:
        grouped: dict[str, list[str]] = {}
        for name, scope in scopes.items():
            grouped.setdefault(scope, []).append(name)
        within = "; ".join(f"one {scope}: {', '.join(names)}" for scope, names in grouped.items())
        lines.append(f"  escalation and actor or region must meet within {within}")
    return "\n".join(lines)
