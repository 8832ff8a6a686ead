"""The labelled evaluation set: load it, run an engine over it, count what it got right.

Used by ``test_matching_eval.py`` (which asserts the recorded figures hold)
and by ``bench.matching.quality`` (which prints them for BENCHMARKS.md).

A row of ``data/eval.jsonl`` (or ``data/eval-context.jsonl``) is ``{"id", "lang", "group", "text", "actors",
"regions", "escalations"}`` with canonical names of the evaluation watchlist
(``config/watchlist.yaml`` plus ``data/eval-extras.yaml``). Groups: ``variant``
(spellings the watchlist does not list, realistic copy), ``plain`` (listed
spellings), ``negative`` (hard negatives: substrings, homonyms, lookalike
idioms, watched names without an escalation). Figures count (row, kind,
name) triples; alerts are scored per row: an alert is expected when the
watchlist's rules fire for the row's labelled names, unless the row says
otherwise (``"alert": false`` where the names do not meet: a watched place
in one sentence, an escalation elsewhere in another). An optional
``"topic"`` (``scope``, ``capital``) also scores the row in groups of that
name (``<topic>`` and ``<topic>-alert``), for the figures of one feature.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processors.matching import Engine
from wirewatch.watchlist import Watchlist, load_watchlist

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[3]
KINDS = ("actors", "regions", "escalations")


def eval_watchlist(*more: str) -> Watchlist:
    """The demo watchlist plus the evaluation extras (and the files ``more`` names in ``data/``)."""
    demo = load_watchlist(REPO / "config" / "watchlist.yaml").model_dump()
    for name in ("eval-extras.yaml", *more):
        extras = load_watchlist(DATA / name).model_dump()
        for section in ("actors", "regions", "escalations", "rules"):
            demo[section] = demo[section] + extras[section]
    return Watchlist.model_validate(demo)


#: The labelled rows: names in one sentence, then texts where context decides (``eval-context``:
#: names and escalations in different sentences, capitals speaking for their government).
SETS = ("eval.jsonl", "eval-context.jsonl")


#: Texts naming entries that share a spelling, scored with ``eval_watchlist(*HOMONYMS[1:])``
#: (whose extra entries would make a bare "Tripoli" of the other rows a watched place).
HOMONYMS = ("eval-homonyms.jsonl", "eval-homonyms.yaml")


def load_rows(sets: tuple[str, ...] = SETS) -> list[dict[str, Any]]:
    """Every labelled text of ``sets`` (files in ``data/``)."""
    rows = []
    for name in sets:
        with open(DATA / name, encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


@dataclass
class Counts:
    """True/false positives and false negatives, and the ratios they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    rows: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, expected: set[Any], found: set[Any], row_id: str) -> None:
        self.rows += 1
        self.tp += len(expected & found)
        self.fp += len(found - expected)
        self.fn += len(expected - found)
        for miss in sorted(map(str, expected - found)):
            self.errors.append(f"{row_id}: missed {miss}")
        for extra in sorted(map(str, found - expected)):
            self.errors.append(f"{row_id}: wrongly found {extra}")


def evaluate(engine: Engine, rows: Iterable[dict[str, Any]]) -> dict[tuple[str, str], Counts]:
    """Counts keyed by ``(lang, group)``, with ``group`` ``all`` and ``alert`` added.

    ``(lang, "alert")`` scores the alert decision per row (a true positive
    is an alert where the rules fire for the labelled names, or where the
    row's ``alert`` says one is due).
    """
    out: dict[tuple[str, str], Counts] = {}
    for row in rows:
        decision = engine.evaluate(row["text"], row["lang"])
        expected = {(kind, name) for kind in KINDS for name in row[kind]}
        found = {(kind, name) for kind in KINDS for name in getattr(decision, kind)}
        topic = row.get("topic")
        for group in (row["group"], "all", *([topic] if topic else [])):
            out.setdefault((row["lang"], group), Counts()).add(expected, found, row["id"])
        expected_alert = row.get("alert")
        if expected_alert is None:
            expected_alert = bool(engine.rules_for(row["actors"], row["regions"], row["escalations"]))
        for group in ("alert", *([f"{topic}-alert"] if topic else [])):
            alert = out.setdefault((row["lang"], group), Counts())
            alert.add(
                {"alert"} if expected_alert else set(), {"alert"} if decision.alert else set(), row["id"]
            )
    return out


def figures(counts: dict[tuple[str, str], Counts]) -> dict[str, float]:
    """Flat ``{"fr.variant.precision": 0.97, …}`` rounded to 3 decimals (what is recorded).

    ``<lang>.negative.clean_rows`` is the share of hard-negative rows with no
    false positive at all.
    """
    flat = {}
    for (lang, group), c in sorted(counts.items()):
        flat[f"{lang}.{group}.precision"] = round(c.precision, 3)
        flat[f"{lang}.{group}.recall"] = round(c.recall, 3)
        if group == "negative":
            dirty = {e.split(":")[0] for e in c.errors if "wrongly found" in e}
            flat[f"{lang}.negative.clean_rows"] = round(1 - len(dirty) / c.rows, 3)
    return flat
