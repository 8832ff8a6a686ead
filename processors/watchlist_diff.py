"""What a watchlist change would have changed: stored items through two watchlists.

``diff_decisions`` is the pure core (items in, ``DiffResult`` out): each item
is matched by both engines, with the live processor's dedup, and its two
decisions compared in the ``try --jsonl`` shape. An item is *added* when only
the new watchlist alerts on it, *removed* when only the old one did, and
*changed* when both do but differ in severity, rules, actors, regions or
escalations. Both sides are also grouped into stories as the stream does,
for the story counts. ``diff_stored`` feeds it the items topic (the reading
code of ``wirewatch backtest``) within a bound of items and time.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from processors.backtest import stored_values
from processors.matching import Engine
from processors.matching.explain import jsonl_answer
from processors.stream import dedup
from processors.stream.candidates import candidate_for
from processors.stream.grouping import GroupingPolicy, grouping_policy
from processors.stream.stories import StoryStore
from wirewatch.errors import RecordError
from wirewatch.records import NewsItem
from wirewatch.settings import Settings

ChangeKind = Literal["added", "removed", "changed"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("added", "removed", "changed")


@dataclass(frozen=True)
class Change:
    """One stored item whose decision differs; ``before``/``after`` in the ``try --jsonl`` shape."""

    id: str
    change: ChangeKind
    before: dict[str, Any]
    after: dict[str, Any]
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        """The ``watchlist diff --jsonl`` line: exactly ``id``, ``change``, ``before``, ``after``."""
        return {"id": self.id, "change": self.change, "before": self.before, "after": self.after}

    @property
    def rules(self) -> list[str]:
        """The rules this change is counted under: those that fired on either side."""
        rules = self.after["rules"] if self.change == "added" else self.before["rules"]
        if self.change == "changed":
            rules = list(dict.fromkeys([*self.before["rules"], *self.after["rules"]]))
        return list(rules)


@dataclass
class DiffResult:
    """What replaying items through two watchlists found."""

    before: str
    after: str
    items: int = 0
    duplicates: int = 0
    undecodable: int = 0
    alerts_before: int = 0
    alerts_after: int = 0
    stories_before: int = 0
    stories_after: int = 0
    changes: list[Change] = field(default_factory=list)
    #: why the replay ended early: ``max-items`` or ``time``; None when every item was read
    stopped: str | None = None
    #: items the topic held in range (None when not known, as for a plain list)
    total: int | None = None
    #: publication time of the latest item read
    reached: datetime | None = None

    def counts(self) -> Counter[str]:
        found = Counter(c.change for c in self.changes)
        return Counter({kind: found[kind] for kind in CHANGE_KINDS})

    def by_rule(self) -> dict[str, dict[str, int]]:
        """Per rule (that fired on either side), how many items were added, removed, changed."""
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for c in self.changes:
            for rule in c.rules:
                table[rule][c.change] += 1
        return {rule: {k: table[rule][k] for k in CHANGE_KINDS} for rule in sorted(table)}

    def summary(self) -> dict[str, Any]:
        """The ``{"summary": …}`` line of ``--jsonl``."""
        return {
            "before": self.before,
            "after": self.after,
            "items": self.items,
            "duplicates": self.duplicates,
            "undecodable": self.undecodable,
            **self.counts(),
            "alerts_before": self.alerts_before,
            "alerts_after": self.alerts_after,
            "stories_before": self.stories_before,
            "stories_after": self.stories_after,
            "rules": self.by_rule(),
            "complete": self.stopped is None,
            "stopped": self.stopped,
            "total": self.total,
            "reached": self.reached.isoformat() if self.reached else None,
        }


def compare(before: dict[str, Any], after: dict[str, Any]) -> ChangeKind | None:
    """How the decision on one item changed, or None when it did not."""
    if before["alert"] != after["alert"]:
        return "added" if after["alert"] else "removed"
    if not after["alert"]:
        return None  # alerting on neither side: a mention gained or lost changes no decision
    keys = ("severity", "rules", "actors", "regions", "escalations")
    return "changed" if any(before[k] != after[k] for k in keys) else None


@dataclass
class _Side:
    engine: Engine
    stories: StoryStore
    alerts: int = 0
    story_keys: set[str] = field(default_factory=set)

    def decide(self, item: NewsItem, n: int) -> dict[str, Any]:
        decision = self.engine.evaluate(item.text, item.lang)
        candidate = candidate_for(item, decision, self.engine.version)
        if candidate is not None:
            self.alerts += 1
            alert = self.stories.apply(candidate, n)
            if alert is not None:
                self.story_keys.add(alert.story_key)
        return jsonl_answer(item.id, decision)


def diff_decisions(
    items: Iterable[NewsItem],
    before_engine: Engine,
    after_engine: Engine,
    *,
    policy: GroupingPolicy | None = None,
    max_items: int | None = None,
    max_seconds: float | None = None,
    on_change: Callable[[Change], None] = lambda change: None,
    clock: Callable[[], float] = time.monotonic,
) -> DiffResult:
    """Match ``items`` with both engines and list the items whose decision differs.

    Duplicates (same id, same text) are skipped as the stream skips them. Stops
    after ``max_items`` items or ``max_seconds`` and says so in ``stopped``.
    ``on_change`` is called with each change as it is found (``--jsonl`` streams).
    """
    policy = policy or GroupingPolicy()
    result = DiffResult(before=before_engine.version, after=after_engine.version)
    sides = (_Side(before_engine, StoryStore({}, policy)), _Side(after_engine, StoryStore({}, policy)))
    seen: dict[str, dict[str, object]] = {}
    deadline = clock() + max_seconds if max_seconds is not None else None
    for n, item in enumerate(items):
        if max_items is not None and result.items >= max_items:
            result.stopped = "max-items"
            break
        if deadline is not None and clock() > deadline:
            result.stopped = "time"
            break
        result.items += 1
        result.reached = max(result.reached or item.published_at, item.published_at)
        admitted, entry = dedup.admit(seen.get(item.id), item, str(n))
        if not admitted:
            result.duplicates += 1
            continue
        if entry is not None:
            seen[item.id] = entry
        before, after = (side.decide(item, n) for side in sides)
        kind = compare(before, after)
        if kind is not None:
            change = Change(item.id, kind, before, after, item.title)
            result.changes.append(change)
            on_change(change)
    result.alerts_before, result.alerts_after = (s.alerts for s in sides)
    result.stories_before, result.stories_after = (len(s.story_keys) for s in sides)
    return result


def diff_stored(
    settings: Settings,
    bootstrap: str,
    topic: str,
    before_engine: Engine,
    after_engine: Engine,
    since: datetime,
    max_items: int,
    max_seconds: float,
    progress: Callable[[int, int], None] = lambda done, total: None,
    on_change: Callable[[Change], None] = lambda change: None,
) -> DiffResult:
    """``diff_decisions`` over the items stored on ``topic`` since ``since``; sends nothing."""
    undecodable = 0
    total: list[int] = []

    def count(done: int, of: int) -> None:
        total[:] = [of]
        progress(done, of)

    def items() -> Iterator[NewsItem]:
        nonlocal undecodable
        for value in stored_values(settings, bootstrap, topic, since, count):
            try:
                yield NewsItem.from_bytes(value)
            except RecordError:
                undecodable += 1

    result = diff_decisions(
        items(),
        before_engine,
        after_engine,
        policy=grouping_policy(settings),
        max_items=max_items,
        max_seconds=max_seconds,
        on_change=on_change,
    )
    result.undecodable = undecodable
    result.total = total[0] if total else None
    return result
