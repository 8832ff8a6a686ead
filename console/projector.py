"""Reads the alerts topic into the store and tells live subscribers about each new revision.

An aiokafka consumer without a group: it assigns itself every partition of the topic and
seeks each to the offset after the last one the store applied (else to the beginning), so
the store's own offsets — written in the same transaction as the rows — are the only
position there is. Nothing is committed to Kafka. A broker that is down is retried with
backoff while the console keeps serving what it has; ``status`` says where it stands.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from console import spellings
from console.following import Status, follow_forever, new_consumer, partitions, seek_stored
from console.store import Incoming, Store
from wirewatch.records import Alert

log = logging.getLogger(__name__)

#: seconds between looks for partitions added to the topic (they are then read from the start)
PARTITION_CHECK_S = 30.0


class Hub:
    """Fan-out of new revisions to every live subscriber (one bounded queue each).

    A subscriber that falls ``size`` revisions behind is dropped (its queue gets ``None``);
    its page reconnects and reloads.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._subscribers: set[asyncio.Queue[Alert | None]] = set()

    def subscribe(self) -> asyncio.Queue[Alert | None]:
        queue: asyncio.Queue[Alert | None] = asyncio.Queue(self.size + 1)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Alert | None]) -> None:
        self._subscribers.discard(queue)

    def __len__(self) -> int:
        return len(self._subscribers)

    def publish(self, alert: Alert) -> None:
        for queue in list(self._subscribers):
            if queue.qsize() >= self.size:
                self._subscribers.discard(queue)
                queue.put_nowait(None)
            else:
                queue.put_nowait(alert)


@dataclass
class Projector:
    """Follows ``topic`` into ``store``; ``run`` until cancelled."""

    bootstrap: str
    topic: str
    store: Store
    hub: Hub
    client_config: dict[str, object] = field(default_factory=dict)
    #: read from its beginning on every start, for the spellings search learns (None: not read)
    watchlist_topic: str | None = None
    batch: int = 500
    partition_check_s: float = PARTITION_CHECK_S
    status: Status = field(default_factory=Status)

    async def run(self) -> None:
        """``follow`` for the console's lifetime: a failure is logged and retried with backoff."""
        await follow_forever(self.follow, self.status, "alerts topic")

    async def follow(self) -> None:
        self.status.state = "connecting"
        consumer = new_consumer(self.bootstrap, self.client_config)
        try:
            await consumer.start()
            tps = await partitions(consumer, [self.topic])
            while not tps:
                self.status.error = f"waiting for the topic {self.topic}"
                await asyncio.sleep(1.0)
                tps = await partitions(consumer, [self.topic])
            watchlist = await partitions(consumer, [self.watchlist_topic]) if self.watchlist_topic else []
            consumer.assign(tps + watchlist)
            await seek_stored(consumer, watchlist, lambda topic: {})  # spellings: read all, every start
            stored = self.store.offsets(self.topic)
            await seek_stored(consumer, tps, lambda topic: stored)
            end = await consumer.end_offsets(tps)
            self.status.state = "catching up"
            self.status.error = None
            log.info(
                "projecting %s from %s", self.topic, {tp.partition: stored.get(tp.partition) for tp in tps}
            )
            known = {tp.partition for tp in tps}
            checked = time.monotonic()
            while True:
                if time.monotonic() - checked >= self.partition_check_s:
                    checked = time.monotonic()
                    if await self._repartitioned(consumer, known):
                        return  # ``run`` follows again, with every partition assigned
                fetched = await consumer.getmany(timeout_ms=500, max_records=self.batch)
                records = []
                for tp, batch in fetched.items():
                    for r in batch:
                        if tp.topic == self.topic:
                            records.append(Incoming(tp.topic, tp.partition, r.offset, r.value))
                        else:
                            where = f"{tp.topic}[{tp.partition}]@{r.offset}"
                            self.store.learn_spellings(spellings.from_value(r.value, where))
                if records:
                    self.apply(records)
                if self.status.state == "catching up" and all(
                    await asyncio.gather(*(self._reached(consumer, tp, end[tp]) for tp in tps))
                ):
                    self.status.state = "live"
                    log.info("caught up with %s: %d revisions stored", self.topic, self.store.count())
        finally:
            await consumer.stop()

    async def _repartitioned(self, consumer: Any, known: set[int]) -> bool:
        now = {tp.partition for tp in await partitions(consumer, [self.topic])}
        if now - known:
            log.info(
                "%s gained partitions %s; following them from their start", self.topic, sorted(now - known)
            )
            return True
        return False

    @staticmethod
    async def _reached(consumer: Any, tp: Any, end: int) -> bool:
        return bool(await consumer.position(tp) >= end)

    def apply(self, records: list[Incoming]) -> None:
        """Store ``records`` (rows and offsets in one transaction), then tell the subscribers."""
        done = self.store.apply(records)
        for partition, offset, reason in done.malformed:
            log.error("skipping a malformed alert at %s[%d]@%d: %s", self.topic, partition, offset, reason)
        self.status.applied += len(done.new)
        self.status.malformed += len(done.malformed)
        for alert in done.new:
            self.hub.publish(alert)
