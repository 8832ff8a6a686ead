"""Story grouping: one alert per story, across outlets and languages.

All candidates of one rule arrive, in order, on one partition (keyed by
rule); ``StoryStore`` keeps that partition's open stories. A candidate
joins an open story of the same rule when it shares an escalation family
and an anchor (a region, or an actor when neither side names a region)
within the story window; otherwise it opens a new story.

Alerts are emitted when a story opens (revision 0), when a new outlet
joins it (the source count grows) and when its severity rises. The story
key and ``alert_id`` are derived from the first report and the revision
only, so replaying the same input after a crash yields the same ids.

Replays are recognised by offset: the store remembers the last input offset
it applied per rule; an input at or below it is a replay and emits nothing.
That is safe because the stage writes a record's state only once the broker
holds the alerts it sent (``write_after`` in app.py): state that says an
input was applied vouches for its alert. A crash before the state lands
replays the input against the old state, which yields the same story key,
revision and ``alert_id`` (downstream drops the copy).
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from processors.stream.candidates import Candidate
from wirewatch.records import Alert, AlertItem, Evidence, severity_rank

MAX_ITEMS_IN_ALERT = 20
MAX_EVIDENCE = 40
MAX_ITEM_IDS = 500


def _digest(*parts: str, size: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:size]


def alert_id_for(story_key: str, revision: int) -> str:
    """Deterministic id of one revision of one story."""
    return f"al-{_digest(story_key, str(revision), size=24)}"


def _union(a: list[str], b: list[str]) -> list[str]:
    return sorted(set(a) | set(b))


@dataclass
class Story:
    """The state of one story (JSON-serialisable through ``to_dict``)."""

    key: str
    rule: str
    rules: list[str]
    families: list[str]
    actors: list[str]
    regions: list[str]
    escalations: list[str]
    severity: str
    notify: list[str]
    items: list[dict[str, Any]]
    item_ids: list[str]
    sources: list[str]
    evidence: list[dict[str, Any]]
    first_seen: str
    last_seen: str
    revision: int
    watchlist_version: str
    trigger: str  # item id that produced the current revision

    @property
    def last(self) -> datetime:
        return datetime.fromisoformat(self.last_seen)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Story:
        return cls(**{"rules": [data["rule"]], **data})

    def anchors_meet(self, c: Candidate) -> bool:
        if self.regions or c.regions:
            return bool(set(self.regions) & set(c.regions))
        return bool(set(self.actors) & set(c.actors))

    def to_alert(self, update_reason: str | None = None) -> Alert:
        return Alert(
            rules=self.rules,
            alert_id=alert_id_for(self.key, self.revision),
            story_key=self.key,
            kind="escalation",
            rule=self.rule,
            severity=self.severity,
            actors=self.actors,
            regions=self.regions,
            escalations=self.escalations,
            evidence=[Evidence.model_validate(e) for e in self.evidence],
            items=[AlertItem.model_validate(i) for i in self.items[:MAX_ITEMS_IN_ALERT]],
            source_count=len(self.sources),
            first_seen=datetime.fromisoformat(self.first_seen),
            last_seen=datetime.fromisoformat(self.last_seen),
            revision=self.revision,
            watchlist_version=self.watchlist_version,
            notify=self.notify,
            update_reason=update_reason,
        )


def _new_story(c: Candidate) -> Story:
    anchor = ",".join(c.regions or c.actors)
    key = f"{c.rule}:{'+'.join(c.families)}:{anchor}:{_digest(c.item.id, size=10)}"
    at = c.at.isoformat()
    return Story(
        key=key,
        rule=c.rule,
        rules=list(c.rules or [c.rule]),
        families=list(c.families),
        actors=list(c.actors),
        regions=list(c.regions),
        escalations=list(c.families),
        severity=c.severity,
        notify=list(c.notify),
        items=[c.item.model_dump(mode="json")],
        item_ids=[c.item.id],
        sources=[c.item.source],
        evidence=[e.model_dump(mode="json") for e in c.evidence][:MAX_EVIDENCE],
        first_seen=at,
        last_seen=at,
        revision=0,
        watchlist_version=c.watchlist_version,
        trigger=c.item.id,
    )


def _anchors(regions: list[str], actors: list[str]) -> list[str]:
    # Stories meet on a shared region; only region-less stories meet on an actor.
    return [f"region:{r}" for r in regions] if regions else [f"actor:{a}" for a in actors]


class StoryStore:
    """The open stories of the rules whose candidates arrive on one partition.

    State lives in ``table`` (a faust Table in the worker, a dict in tests and
    backtests) under these keys, all written while an event of this
    partition is current, and kept small because every write is a changelog
    record:

    - ``story|<story key>``: one story;
    - ``index|<rule>|<anchor>``: the open stories naming that region (or
      actor), so a candidate reads only its neighbours; rewritten only when a
      story joins or leaves it;
    - ``offset|<rule>``: the last input offset applied (written last).
    """

    def __init__(self, table: MutableMapping[str, Any], window: timedelta):
        self.table = table
        self.window = window

    def apply(self, c: Candidate, offset: int) -> Alert | None:
        """Apply one candidate read at ``offset``; return the alert to emit, if any.

        The caller writes the changed state only once that alert is durable
        (see the module doc); a replayed offset returns None.
        """
        meta_key = f"offset|{c.rule}"
        meta = self.table.get(meta_key) or {"offset": -1}
        if offset <= int(meta["offset"]):
            return None
        alert = self._apply(c)
        swept = meta.get("swept")
        if swept is None or c.at - datetime.fromisoformat(swept) > self.window / 6:
            self.sweep(c.rule, c.at)
            swept = c.at.isoformat()
        self.table[meta_key] = {"offset": offset, "swept": swept}
        return alert

    def sweep(self, rule: str, at: datetime) -> None:
        """Forget every story of ``rule`` closed by ``at`` (runs a few times per window)."""
        prefix = f"index|{rule}|"
        anchors = [k.removeprefix(prefix) for k in list(self.table.keys()) if k.startswith(prefix)]
        self.open_stories(rule, anchors, at)

    def open_stories(self, rule: str, anchors: list[str], at: datetime) -> list[Story]:
        """The stories of ``rule`` on ``anchors`` still open at ``at``; closed ones are dropped."""
        found: dict[str, Story] = {}
        for anchor in anchors:
            key = f"index|{rule}|{anchor}"
            members: list[str] = list(self.table.get(key) or [])
            alive = []
            for story_key in members:
                story = found.get(story_key)
                if story is None:
                    data = self.table.get(f"story|{story_key}")
                    if data is None:
                        continue
                    story = Story.from_dict(data)
                    if at - story.last > self.window:
                        self.table.pop(f"story|{story_key}", None)
                        continue
                    found[story_key] = story
                alive.append(story_key)
            if alive != members:
                if alive:
                    self.table[key] = alive
                else:
                    self.table.pop(key, None)
        return list(found.values())

    def _save(self, story: Story, anchors_before: list[str]) -> None:
        self.table[f"story|{story.key}"] = story.to_dict()
        for anchor in _anchors(story.regions, story.actors):
            if anchor in anchors_before:
                continue
            key = f"index|{story.rule}|{anchor}"
            self.table[key] = [*(self.table.get(key) or []), story.key]

    def _apply(self, c: Candidate) -> Alert | None:
        stories = self.open_stories(c.rule, _anchors(c.regions, c.actors), c.at)
        story = _best(stories, c, self.window)
        if story is None:
            story, before = _new_story(c), []
            alert: Alert | None = story.to_alert()
        else:
            before = _anchors(story.regions, story.actors)
            alert = _join(story, c)
        self._save(story, before)
        return alert


def _best(stories: list[Story], c: Candidate, window: timedelta) -> Story | None:
    best = None
    for story in stories:
        if c.item.id in story.item_ids:
            return story
        if story.rule != c.rule or not set(story.families) & set(c.families):
            continue
        if abs(c.at - story.last) > window or not story.anchors_meet(c):
            continue
        if best is None or story.last > best.last:
            best = story
    return best


def _join(story: Story, c: Candidate) -> Alert | None:
    reasons = []
    new_source = c.item.source not in story.sources
    if c.item.id in story.item_ids:
        # The same item updated in place: refresh its title/summary link.
        story.items = [c.item.model_dump(mode="json") if i["id"] == c.item.id else i for i in story.items]
    else:
        story.item_ids = [*story.item_ids, c.item.id][-MAX_ITEM_IDS:]
        story.items.append(c.item.model_dump(mode="json"))
        story.items.sort(key=lambda i: i["published_at"])
        if len(story.items) > MAX_ITEMS_IN_ALERT:  # keep the first reports and the latest ones
            half = MAX_ITEMS_IN_ALERT // 2
            story.items = story.items[:half] + story.items[-half:]
    if new_source:
        story.sources.append(c.item.source)
        reasons.append(f"reported by {len(story.sources)} sources (new: {c.item.source})")
    if severity_rank(c.severity) > severity_rank(story.severity):
        reasons.append(f"severity raised from {story.severity} to {c.severity}")
        story.severity = c.severity
    story.actors = _union(story.actors, c.actors)
    story.regions = _union(story.regions, c.regions)
    story.escalations = _union(story.escalations, c.families)
    story.notify = _union(story.notify, c.notify)
    story.rules = list(dict.fromkeys([*story.rules, *c.rules]))
    story.evidence = (story.evidence + [e.model_dump(mode="json") for e in c.evidence])[:MAX_EVIDENCE]
    at = c.at.isoformat()
    story.last_seen = max(story.last_seen, at, key=lambda s: datetime.fromisoformat(s))
    story.first_seen = min(story.first_seen, at, key=lambda s: datetime.fromisoformat(s))
    story.watchlist_version = c.watchlist_version
    if not reasons:
        return None
    story.revision += 1
    story.trigger = c.item.id
    return story.to_alert(update_reason="; ".join(reasons))
