"""The story-grouping evaluation: load labelled reports, tell them through the story stage, score it.

Used by ``test_grouping_eval.py`` (which asserts the recorded figures hold).
Two sets live in ``data/``:

- ``grouping-eval.jsonl``: wire copy, one report a line, ``{"id", "event",
  "source", "lang", "title", "summary", "published_at", "fetched_at"}``;
  ``event`` names the real-world event the report tells. Events are told by
  1–4 outlets in French and English, with the hard cases of real copy: distinct
  events sharing a governorate, an escalation family, an outlet and a day; the
  same district shelled two days running; reports naming several places; a
  slow outlet 30 hours late; reports that match no rule (they count nowhere).
- ``conflict-notes.jsonl``: templated notes of a conflict-event monitor, one
  note per event, many in the same governorate and family on the same or
  adjacent days, published in daily batches.

**Telling** (``tell``): the demo watchlist's engine reads each report's
``title + "\\n" + summary``, in ``published_at`` order (then ``fetched_at``,
then id); each report a rule fires on becomes a candidate (``candidate_for``)
applied, at increasing offsets, to the ``StoryStore`` of its rule's partition
(one store and one plain-dict table per ``candidate.rule``). The harness only
calls ``make_store(table)``, ``.apply(candidate, offset)``, reads the
returned alert's ``story_key`` and ``revision``, and, for a report that
triggered no alert (a silent join), ``.holding(item_id)``: the story that
recorded it. If none did, the report's story is unknown and it counts as a
story of its own.

**Scoring** (``score``), over *alerting reports* (reports a rule fired on):

- *alerting events*: events with at least one alerting report;
- a story's *first report*: the first alerting report placed in it (telling
  order); an event is *told* when some story that got at least one alert has
  its first report among the event's reports: that story announced it;
- *multi-report events*: events with two or more alerting reports; one is
  *told as exactly one story* when all its alerting reports are in one story
  and that story holds no report of another event;
- *mixing stories*: stories holding reports of two or more events
  (``unmixed`` is the share of stories that do not);
- pairwise *precision* and *recall* of "same story" over all pairs of alerting
  reports, "same event" being the truth. A ratio with nothing to count is 1.0.

Stories are told apart by (rule, story key): stories of different partitions
never merge, so the same event told under two rules counts as split.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from processors.matching import Engine
from processors.stream.candidates import candidate_for
from processors.stream.stories import StoryStore
from wirewatch.records import NewsItem
from wirewatch.watchlist import load_watchlist

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[3]
WATCHLIST = REPO / "config" / "watchlist.yaml"
WIRE = DATA / "grouping-eval.jsonl"
NOTES = DATA / "conflict-notes.jsonl"


MakeStore = Callable[[dict[str, Any]], StoryStore]


def todays_store(table: dict[str, Any]) -> StoryStore:
    """The story stage as it stands: a sliding 6-hour window."""
    return StoryStore(table)


@dataclass(frozen=True)
class Report:
    """One labelled report: a wire item plus the event it tells."""

    id: str
    event: str
    source: str
    lang: str
    title: str
    summary: str
    published_at: datetime
    fetched_at: datetime

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.summary}"

    def item(self) -> NewsItem:
        """The report as ingest would publish it."""
        return NewsItem(
            id=self.id,
            feed=self.source.lower().replace(" ", "-"),
            source=self.source,
            url=f"https://example.org/{self.id}",
            title=self.title,
            summary=self.summary,
            lang=self.lang,
            published_at=self.published_at,
            fetched_at=self.fetched_at,
        )


def load(path: Path) -> list[Report]:
    """Every report of one JSONL set, in file order."""
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [
        Report(
            **{
                **row,
                "published_at": datetime.fromisoformat(row["published_at"]),
                "fetched_at": datetime.fromisoformat(row["fetched_at"]),
            }
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Placement:
    """Where the story stage put one alerting report."""

    report: str
    rule: str
    story: str  # story key; "" when the store never said
    revision: int | None  # revision of the alert this report triggered; None for a silent join

    @property
    def story_id(self) -> tuple[str, str]:
        return (self.rule, self.story or f"?{self.report}")


@dataclass
class Told:
    """What the story stage did with a set: one placement per alerting report, in telling order."""

    placements: dict[str, Placement] = field(default_factory=dict)


@functools.cache
def _engine(watchlist_path: Path) -> Engine:
    return Engine.build(load_watchlist(watchlist_path))


def telling_order(reports: Iterable[Report]) -> list[Report]:
    """The order reports reach the story stage: publication, then fetch, then id."""
    return sorted(reports, key=lambda r: (r.published_at, r.fetched_at, r.id))


def tell(
    reports: Iterable[Report], watchlist_path: Path = WATCHLIST, make_store: MakeStore = todays_store
) -> Told:
    """Run ``reports`` through matching and the story stage; say where each alerting one went."""
    engine = _engine(Path(watchlist_path))
    tables: dict[str, dict[str, Any]] = {}
    stores: dict[str, StoryStore] = {}
    told = Told()
    for offset, report in enumerate(telling_order(reports)):
        item = report.item()
        candidate = candidate_for(item, engine.evaluate(report.text, report.lang), engine.version)
        if candidate is None:
            continue
        if candidate.rule not in stores:
            tables[candidate.rule] = {}
            stores[candidate.rule] = make_store(tables[candidate.rule])
        alert = stores[candidate.rule].apply(candidate, offset)
        revision = alert.revision if alert is not None else None
        holder = None if alert is not None else stores[candidate.rule].holding(item.id)
        story = alert.story_key if alert is not None else (holder.key if holder else "")
        told.placements[report.id] = Placement(report.id, candidate.rule, story, revision)
    return told


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


@dataclass(frozen=True)
class Figures:
    """How well one telling groups one set (see the module doc for each definition)."""

    alerting_events: int
    told_events: int
    multi_report_events: int
    one_story_events: int
    stories: int
    mixing_stories: int
    true_pairs: int  # pairs of alerting reports of one event
    found_pairs: int  # pairs of alerting reports in one story
    right_pairs: int  # both
    untold: tuple[str, ...] = ()
    split: tuple[str, ...] = ()  # multi-report events not told as exactly one story
    mixed: tuple[tuple[str, ...], ...] = ()  # the events of each mixing story

    @property
    def told(self) -> float:
        return _ratio(self.told_events, self.alerting_events)

    @property
    def one_story(self) -> float:
        return _ratio(self.one_story_events, self.multi_report_events)

    @property
    def unmixed(self) -> float:
        return _ratio(self.stories - self.mixing_stories, self.stories)

    @property
    def pair_precision(self) -> float:
        return _ratio(self.right_pairs, self.found_pairs)

    @property
    def pair_recall(self) -> float:
        return _ratio(self.right_pairs, self.true_pairs)

    def as_dict(self) -> dict[str, float]:
        """The ratios, rounded to 3 places: the figures ``grouping-figures.json`` records."""
        names = ("told", "one_story", "unmixed", "pair_precision", "pair_recall")
        return {name: round(getattr(self, name), 3) for name in names}


def score(reports: Iterable[Report], told: Told) -> Figures:
    """Score ``told`` against the events ``reports`` are labelled with."""
    event_of: Mapping[str, str] = {r.id: r.event for r in reports}
    placed = list(told.placements.values())
    members: dict[tuple[str, str], list[str]] = defaultdict(list)  # story -> report ids, telling order
    for p in placed:
        members[p.story_id].append(p.report)
    announced = {p.story_id for p in placed if p.revision is not None}
    events_of_story = {s: {event_of[r] for r in ids} for s, ids in members.items()}
    per_event = Counter(event_of[p.report] for p in placed)
    alerting = set(per_event)

    told_events = {event_of[ids[0]] for s, ids in members.items() if s in announced}
    multi = {e for e, n in per_event.items() if n >= 2}
    stories_of_event: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for p in placed:
        stories_of_event[event_of[p.report]].add(p.story_id)
    one_story = {e for e in multi if [events_of_story[s] for s in stories_of_event[e]] == [{e}]}
    mixing = [s for s, events in events_of_story.items() if len(events) > 1]

    true_pairs = found_pairs = right_pairs = 0
    for a, b in combinations(placed, 2):
        same_event = event_of[a.report] == event_of[b.report]
        same_story = a.story_id == b.story_id
        true_pairs += same_event
        found_pairs += same_story
        right_pairs += same_event and same_story
    return Figures(
        alerting_events=len(alerting),
        told_events=len(told_events),
        multi_report_events=len(multi),
        one_story_events=len(one_story),
        stories=len(members),
        mixing_stories=len(mixing),
        true_pairs=true_pairs,
        found_pairs=found_pairs,
        right_pairs=right_pairs,
        untold=tuple(sorted(alerting - told_events)),
        split=tuple(sorted(multi - one_story)),
        mixed=tuple(sorted(tuple(sorted(events_of_story[s])) for s in mixing)),
    )


def measure(path: Path, make_store: MakeStore = todays_store) -> Figures:
    """Load, tell and score one set."""
    reports = load(path)
    return score(reports, tell(reports, make_store=make_store))
