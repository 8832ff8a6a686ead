"""The match stage: items become candidates (routed by rule) and mentions (routed by entity).

Reads items a batch at a time. Each item is decoded, checked against the
dedup table (``dedup.admit``), matched by the engine the watchlist follower
keeps current, and fanned out: a candidate per item a rule fires on, a
mention per watched entity named beside an escalation. The batch's entries
are handed on as one record per destination partition (``batches``); faust
commits the items' offsets only after its producer has flushed those.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from faust.types import EventT, TopicT

from processors.matching.decision import Decision
from processors.stream import dedup
from processors.stream.batches import CandidateBatch, MentionBatch, Outbox
from processors.stream.candidates import Candidate, Mention, candidate_for
from processors.stream.faust_compat import set_current_event
from processors.stream.live_watchlist import EngineHolder
from processors.stream.metrics import ProcessorMetrics
from processors.stream.stages.base import DeadLetters, Progress, Stage
from wirewatch.records import NewsItem

#: Seconds between two sweeps of a partition's expired dedup entries.
PURGE_EVERY_S = 60.0


@dataclass(frozen=True)
class HandOff:
    """Where the match stage sends its entries, and how many partitions they spread over."""

    candidates: TopicT
    mentions: TopicT
    partitions: int


class MatchStage(Stage):
    """Matches items; state: the seen table (item id -> dedup entry)."""

    name = "items"

    def __init__(
        self,
        seen: MutableMapping[str, Any],
        holder: EngineHolder,
        hand_off: HandOff,
        ttl_s: float,
        metrics: ProcessorMetrics,
        dead_letters: DeadLetters,
        progress: Progress,
    ):
        super().__init__(dead_letters, progress)
        self.seen = seen
        self.holder = holder
        self.route = hand_off
        self.ttl_s = ttl_s
        self.metrics = metrics
        self.candidates: Outbox[Candidate] = Outbox(hand_off.partitions)
        self.mentions: Outbox[Mention] = Outbox(hand_off.partitions)
        self._last_purge: dict[int, float] = {}
        self._match_counters: dict[tuple[str, str], Any] = {}
        self._processed = metrics.items.labels("processed")
        self._duplicates = metrics.items.labels("duplicate")

    async def process_batch(self, events: Sequence[EventT]) -> None:
        """Match a batch of item events, then hand their entries on."""
        for event in events:
            set_current_event(event)
            await self.handle(event)
            self.purge(event.message.partition)
        await self.hand_off()

    async def process(self, event: EventT) -> None:
        msg = event.message
        item = NewsItem.from_bytes(msg.value)
        admitted, entry = dedup.admit(self.seen.get(item.id), item, f"{msg.partition}:{msg.offset}")
        if not admitted:
            self._duplicates.inc()
            return
        engine = await self.holder.get()
        decision = engine.evaluate(item.text, item.lang)
        self._count_matches(decision)
        candidate = candidate_for(item, decision, engine.version, (entry or {}).get("h", ""))
        handed_on = candidate is not None
        if candidate is not None:
            self.candidates.add(candidate.rule, candidate)
        for mention in self._mentions(item, decision, engine.version):
            self.mentions.add(mention.entity, mention)
            handed_on = True
        if entry is not None and handed_on:
            # Only items that hand something on need remembering: matching a repeat of
            # one that did not would hand nothing on either, and most items are such.
            self.seen[item.id] = entry
        self._processed.inc()

    def _count_matches(self, decision: Decision) -> None:
        for name in decision.actors:
            self._matches("actor", name).inc()
        for name in decision.regions:
            self._matches("region", name).inc()

    def _matches(self, kind: str, name: str) -> Any:
        """The matches counter of one entity (label children kept: ``labels`` costs per call)."""
        child = self._match_counters.get((kind, name))
        if child is None:
            child = self._match_counters[(kind, name)] = self.metrics.matches.labels(kind, name)
        return child

    @staticmethod
    def _mentions(item: NewsItem, decision: Decision, version: str) -> list[Mention]:
        """One mention per watched entity the item names beside an escalation."""
        if not decision.escalations:
            return []
        severity = decision.severity or "low"
        return [
            Mention(
                entity=name,
                kind=kind,
                item_id=item.id,
                escalations=list(decision.escalations),
                severity=severity,
                at=item.fetched_at,
                watchlist_version=version,
            )
            for kind, names in (("actor", decision.actors), ("region", decision.regions))
            for name in names
        ]

    def purge(self, partition: int) -> None:
        """Drop the partition's expired dedup entries, at most once a ``PURGE_EVERY_S``.

        Deletes must happen while an event of this partition is current, so
        their changelog records land on the right partition.
        """
        now = time.time()
        if now - self._last_purge.get(partition, 0.0) < PURGE_EVERY_S:
            return
        self._last_purge[partition] = now
        prefix = f"{partition}:"
        stale = [
            key
            for key, entry in self.seen.items()
            if entry and entry["o"].startswith(prefix) and dedup.expired(entry, now, self.ttl_s)
        ]
        for key in stale:
            del self.seen[key]

    async def hand_off(self) -> None:
        """Send one record per destination partition; the producer flushes before items commit."""
        for partition, candidates in self.candidates.drain():
            await self.route.candidates.send(
                key=candidates[0].rule.encode(),
                value=CandidateBatch(entries=candidates).to_bytes(),
                partition=partition,
            )
        for partition, mentions in self.mentions.drain():
            await self.route.mentions.send(
                key=mentions[0].entity.encode(),
                value=MentionBatch(entries=mentions).to_bytes(),
                partition=partition,
            )
