"""Story grouping: one alert per real-world event, across outlets and languages.

All candidates of one rule arrive, in order, on one partition (keyed by
rule); ``StoryStore`` keeps that partition's open stories. A candidate is
compared with the open stories it could belong to (same rule, a shared
escalation family and region or actor, inside the time limits) by what the
reports say (``grouping.assess``: places, targets, toll, days, text); it
joins the best one that it matches, else it opens a new story.

Every candidate is told: it opens a story (revision 0) or joins one, and
the story records every item that joined. A join is pushed as an update
(revision n) when it brings news (``grouping.news``: a new outlet or
language, a higher toll or severity, a new place, actor or escalation);
severity never goes down. Each alert says why it was grouped (``grouping``)
and what is new (``update_reason``). The story key and ``alert_id`` derive
from the first report and the revision only, so replaying the same input
after a crash yields the same ids.

Replays are recognised by offset: the store remembers the last input offset
it applied per rule; an input at or below it is a replay and emits nothing.
That is safe because the story stage writes a record's state only once the
broker holds the alerts it sent (``AlertSink.write_after``): state that says
an input was applied vouches for its alert. A crash before the state lands
replays the input against the old state, which yields the same story key,
revision and ``alert_id`` (downstream drops the copy).
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from processors.stream.candidates import Candidate
from processors.stream.grouping import GroupingPolicy, Verdict, assess, new_places, news
from wirewatch.records import Alert, AlertItem, Evidence, severity_rank

MAX_ITEMS_IN_ALERT = 20
MAX_EVIDENCE = 40
MAX_ITEM_IDS = 500
MAX_PLACES = 30
#: Fingerprints kept per story: its first report's and the latest ones'.
MAX_PRINTS = 4
#: Open stories a report is compared with, the most recently told first: in a hot governorate
#: the list grows with every event, and a report of an event this many events back is rare.
MAX_COMPARED = 48
#: Stories a ``StoryStore`` keeps made (``StoryStore.parsed``); past it, it starts again.
MAX_PARSED = 5_000
#: Evidence and alert items kept validated for the alerts that cite them again (``_record``).
RECORD_MEMORY = 8192


def _digest(*parts: str, size: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:size]


def alert_id_for(story_key: str, revision: int) -> str:
    """Deterministic id of one revision of one story."""
    return f"al-{_digest(story_key, str(revision), size=24)}"


@lru_cache(maxsize=4096)
def _moment(iso: str) -> datetime:
    """A story time (ISO text in the state) as a datetime; stories compare them all the time."""
    return datetime.fromisoformat(iso)


R = TypeVar("R", Evidence, AlertItem)

#: (kind, id of a state dict) -> (that dict, its record); see ``_record``.
_RECORDS: dict[tuple[type[Any], int], tuple[dict[str, Any], Any]] = {}


def _record(kind: type[R], data: dict[str, Any]) -> R:
    """``kind.model_validate(data)``, made once per dict of the story state.

    The evidence and item dicts of a story are dumped from validated records and
    never changed in place (a join replaces them), so the record made from one
    stays right while that dict lives; the memo holds the dict, so its id is not
    reused meanwhile.
    """
    known = _RECORDS.get((kind, id(data)))
    if known is not None and known[0] is data:
        record: R = known[1]
        return record
    if len(_RECORDS) >= RECORD_MEMORY:
        _RECORDS.clear()
    record = kind.model_validate(data)
    _RECORDS[(kind, id(data))] = (data, record)
    return record


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
    report_count: int = 1
    langs: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    broad: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    toll: int | None = None
    #: [lang, source, fingerprint tokens] of the first report and the latest ones
    prints: list[list[Any]] = field(default_factory=list)
    #: why the latest report joined (pushed or not)
    joined: str = ""

    @property
    def first(self) -> datetime:
        return _moment(self.first_seen)

    @property
    def last(self) -> datetime:
        return _moment(self.last_seen)

    @property
    def print_sets(self) -> list[tuple[str | None, frozenset[int]]]:
        """``prints`` as (lang, token set), for the text similarity; kept until ``prints`` is replaced."""
        memo = self.__dict__.get("_prints_memo")
        if memo is None or memo[0] is not self.prints:
            memo = (self.prints, [(lang, frozenset(tokens)) for lang, _source, tokens in self.prints])
            self.__dict__["_prints_memo"] = memo
        sets: list[tuple[str | None, frozenset[int]]] = memo[1]
        return sets

    def to_dict(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if not name.startswith("_")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Story:
        return cls(**{"rules": [data["rule"]], **data})

    def anchors_meet(self, c: Candidate) -> bool:
        if self.regions or c.regions:
            return bool(set(self.regions) & set(c.regions))
        return bool(set(self.actors) & set(c.actors))

    def to_alert(self, grouping: str, update_reason: str | None = None) -> Alert:
        # The evidence and items are dicts dumped from validated records; each is validated
        # once (``_record``), not again for every alert of every story that cites it.
        return Alert.model_validate(
            dict(
                rules=self.rules,
                alert_id=alert_id_for(self.key, self.revision),
                story_key=self.key,
                kind="escalation",
                rule=self.rule,
                severity=self.severity,
                actors=self.actors,
                regions=self.regions,
                escalations=self.escalations,
                evidence=[_record(Evidence, e) for e in self.evidence],
                items=[_record(AlertItem, i) for i in self.items[:MAX_ITEMS_IN_ALERT]],
                source_count=len(self.sources),
                first_seen=_moment(self.first_seen),
                last_seen=_moment(self.last_seen),
                revision=self.revision,
                watchlist_version=self.watchlist_version,
                notify=self.notify,
                update_reason=update_reason,
                grouping=grouping,
                report_count=self.report_count,
            )
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
        langs=[c.item.lang] if c.item.lang else [],
        places=list(c.signature.places)[:MAX_PLACES],
        broad=list(c.signature.broad),
        targets=list(c.signature.targets),
        dates=list(c.signature.dates),
        toll=c.signature.toll,
        prints=[[c.item.lang, c.item.source, list(c.signature.tokens)]],
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

    def __init__(
        self,
        table: MutableMapping[str, Any],
        policy: GroupingPolicy | None = None,
        parsed: dict[str, tuple[Any, Story]] | None = None,
    ):
        self.table = table
        self.policy = policy or GroupingPolicy()
        #: story key -> (the state read, the Story made of it): a story is made again only when
        #: its state was replaced (``_story``); the story stage keeps one across records
        self.parsed = {} if parsed is None else parsed

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
        if swept is None or c.at - datetime.fromisoformat(swept) > self.policy.idle_gap / 6:
            self.sweep(c.rule, c.at)
            swept = c.at.isoformat()
        self.table[meta_key] = {"offset": offset, "swept": swept}
        return alert

    def holding(self, item_id: str) -> Story | None:
        """The story that holds ``item_id`` (a scan: for ``try`` and evaluations, not the stream)."""
        for name, value in self.table.items():
            if name.startswith("story|") and value and item_id in value["item_ids"]:
                return Story.from_dict(value)
        return None

    def sweep(self, rule: str, at: datetime) -> None:
        """Forget every story of ``rule`` past its longest span at ``at`` (a few times per idle gap)."""
        prefix = f"index|{rule}|"
        anchors = [k.removeprefix(prefix) for k in list(self.table.keys()) if k.startswith(prefix)]
        self.open_stories(rule, anchors, at)

    def open_stories(
        self, rule: str, anchors: list[str], at: datetime, recent: int | None = None
    ) -> list[Story]:
        """The stories of ``rule`` on ``anchors`` a report at ``at`` could join; older ones are dropped.

        ``recent``: look only at the latest stories opened on each anchor (the sweep looks at all).
        """
        found: dict[str, Story] = {}
        for anchor in anchors:
            key = f"index|{rule}|{anchor}"
            members: list[str] = list(self.table.get(key) or [])
            skipped = members[: -recent or None] if recent else []
            alive = list(skipped)
            for story_key in members[len(skipped) :]:
                story = found.get(story_key)
                if story is None:
                    story = self._story(story_key)
                    if story is None:
                        continue
                    if at - story.first > self.policy.max_span:
                        self.table.pop(f"story|{story_key}", None)
                        self.parsed.pop(story_key, None)
                        continue
                    found[story_key] = story
                alive.append(story_key)
            if alive != members:
                if alive:
                    self.table[key] = alive
                else:
                    self.table.pop(key, None)
        return list(found.values())

    def _story(self, story_key: str) -> Story | None:
        """The story under ``story_key`` (None: gone), made from its state once per state written."""
        data = self.table.get(f"story|{story_key}")
        if data is None:
            self.parsed.pop(story_key, None)
            return None
        known = self.parsed.get(story_key)
        if known is not None and known[0] is data:
            return known[1]
        if len(self.parsed) >= MAX_PARSED:
            self.parsed.clear()
        story = Story.from_dict(data)
        self.parsed[story_key] = (data, story)
        return story

    def _save(self, story: Story, anchors_before: list[str]) -> None:
        data = story.to_dict()
        self.table[f"story|{story.key}"] = data
        self.parsed[story.key] = (data, story)
        for anchor in _anchors(story.regions, story.actors):
            if anchor in anchors_before:
                continue
            key = f"index|{story.rule}|{anchor}"
            self.table[key] = [*(self.table.get(key) or []), story.key]

    def _apply(self, c: Candidate) -> Alert | None:
        stories = self.open_stories(c.rule, _anchors(c.regions, c.actors), c.at, recent=MAX_COMPARED)
        story, verdict = _best(stories, c, self.policy)
        if story is None:
            story, before = _new_story(c), []
            alert: Alert | None = story.to_alert(grouping=f"new story: {verdict.reason}")
        else:
            before = _anchors(story.regions, story.actors)
            self.parsed.pop(story.key, None)  # changed in place now: made again if this fails
            alert = _join(story, c, verdict)
        self._save(story, before)
        return alert


def _best(stories: list[Story], c: Candidate, policy: GroupingPolicy) -> tuple[Story | None, Verdict]:
    """The story ``c`` joins (None: a new one), and the verdict that says why."""
    best: tuple[Story, Verdict] | None = None
    closest = Verdict(False, -1.0, "no open story shares its region, actor and escalation")
    compared = 0
    for story in sorted(stories, key=lambda s: (s.last, s.key), reverse=True):
        if c.item.id in story.item_ids:
            return story, Verdict(True, 1.0, "same item, updated")
        if compared >= MAX_COMPARED:
            continue
        if story.rule != c.rule or not set(story.families) & set(c.families) or not story.anchors_meet(c):
            continue
        compared += 1
        verdict = assess(story, c, policy)
        if verdict.join and (best is None or verdict.score > best[1].score):
            best = (story, verdict)
        elif not verdict.join and verdict.score > closest.score:
            closest = Verdict(False, verdict.score, f"not {story.key}: {verdict.reason}")
    return best if best is not None else (None, closest)


def _join(story: Story, c: Candidate, verdict: Verdict) -> Alert | None:
    reasons = [] if c.item.id in story.item_ids else news(story, c)
    if c.item.id in story.item_ids:
        # The same item updated in place: refresh its title/summary link.
        story.items = [c.item.model_dump(mode="json") if i["id"] == c.item.id else i for i in story.items]
    else:
        story.item_ids = [*story.item_ids, c.item.id][-MAX_ITEM_IDS:]
        story.report_count += 1
        story.items.append(c.item.model_dump(mode="json"))
        story.items.sort(key=lambda i: i["published_at"])
        if len(story.items) > MAX_ITEMS_IN_ALERT:  # keep the first reports and the latest ones
            half = MAX_ITEMS_IN_ALERT // 2
            story.items = story.items[:half] + story.items[-half:]
        _merge_signature(story, c)
    if c.item.source not in story.sources:
        story.sources.append(c.item.source)
    if severity_rank(c.severity) > severity_rank(story.severity):
        reasons.append(f"severity {story.severity} → {c.severity}")
        story.severity = c.severity
    story.actors = _union(story.actors, c.actors)
    story.regions = _union(story.regions, c.regions)
    story.escalations = _union(story.escalations, c.families)
    story.notify = _union(story.notify, c.notify)
    story.rules = list(dict.fromkeys([*story.rules, *c.rules]))
    story.evidence = (story.evidence + [e.model_dump(mode="json") for e in c.evidence])[:MAX_EVIDENCE]
    at = c.at.isoformat()
    story.last_seen = max(story.last_seen, at, key=_moment)
    story.first_seen = min(story.first_seen, at, key=_moment)
    story.watchlist_version = c.watchlist_version
    story.joined = verdict.reason
    if not reasons:
        return None
    story.revision += 1
    story.trigger = c.item.id
    return story.to_alert(grouping=verdict.reason, update_reason=" · ".join(reasons))


def _merge_signature(story: Story, c: Candidate) -> None:
    sig = c.signature
    if c.item.lang and c.item.lang not in story.langs:
        story.langs.append(c.item.lang)
    story.places = [*story.places, *new_places(story.places, sig.places)][:MAX_PLACES]
    story.broad = list(dict.fromkeys([*story.broad, *sig.broad]))
    story.targets = _union(story.targets, sig.targets)
    story.dates = _union(story.dates, sig.dates)
    if sig.toll is not None and (story.toll is None or sig.toll > story.toll):
        story.toll = sig.toll
    story.prints = [*story.prints, [c.item.lang, c.item.source, list(sig.tokens)]]
    if len(story.prints) > MAX_PRINTS:
        story.prints = [story.prints[0], *story.prints[-(MAX_PRINTS - 1) :]]
