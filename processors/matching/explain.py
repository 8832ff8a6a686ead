"""Human and JSON-lines renderings of a ``Decision``, for ``wirewatch try``."""

from __future__ import annotations

import json
from typing import IO, Any

from processors.matching.decision import Decision
from processors.matching.engine import Engine


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


def _item_text(obj: Any) -> tuple[Any, str, str | None]:
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    if "id" not in obj:
        raise ValueError("missing 'id'")
    lang = obj.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise ValueError("'lang' must be a string or null")
    if isinstance(obj.get("text"), str):
        return obj["id"], obj["text"], lang
    title, summary = obj.get("title"), obj.get("summary", "")
    if not isinstance(title, str) or not isinstance(summary, str):
        raise ValueError("give 'text', or 'title' (and optional 'summary') as strings")
    return obj["id"], f"{title}\n{summary}" if summary else title, lang


def run_jsonl(engine: Engine, src: IO[str], out: IO[str], err: IO[str]) -> int:
    """Answer each JSON line of ``src`` on ``out``; report bad lines on ``err``.

    Returns the number of bad lines (the CLI exits 2 when it is not zero).
    """
    bad = 0
    for number, line in enumerate(src, start=1):
        if not line.strip():
            continue
        try:
            item_id, text, lang = _item_text(json.loads(line))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            print(f"<stdin>:{number}: {exc}", file=err, flush=True)
            continue
        answer = jsonl_answer(item_id, engine.evaluate(text, lang))
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()
    return bad


def explain(engine: Engine, decision: Decision) -> str:
    """A few lines a person reads: each match (entity, alias, words, score), then the decision."""
    lines = [f"watchlist {engine.version}"]
    for m in decision.matches:
        lines.append(
            f"  {m.kind:<10} {m.entity}  ← alias {m.alias!r} matched {m.matched!r} "
            f"[{m.start}:{m.end}] score {m.score:.0f}"
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
    return "\n".join(lines)
