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
from console.store import Incoming, Store
from wirewatch.records import Alert

log = logging.getLogger(__name__)

MAX_RETRY_DELAY_S = 30.0
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
class Status:
    """Where the projector stands, for the pages' banner and /healthz."""

    state: str = "starting"  # starting | connecting | catching up | live | stopped
    error: str | None = None
    applied: int = 0
    malformed: int = 0


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
        delay = 1.0
        while True:
            try:
                await self.follow()
                delay = 1.0
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is None or task.cancelling():
                    self.status.state = "stopped"
                    raise
                # aiokafka's consumer can let a CancelledError of its own out of stop(): a failure
                # of this attempt, not a request to stop
                self._failed("aiokafka cancelled a routine of its own", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY_S)
            except Exception as exc:
                self._failed(f"{type(exc).__name__}: {exc}", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY_S)

    def _failed(self, reason: str, delay: float) -> None:
        self.status.state = "connecting"
        self.status.error = reason[:300]
        log.warning("alerts topic unreachable (%s); retrying in %.0f s", self.status.error, delay)

    async def follow(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        self.status.state = "connecting"
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **self.client_config,
        )
        try:
            await consumer.start()
            partitions = None
            while not partitions:
                # aiokafka has no public call that refreshes the metadata partitions_for_topic
                # reads; its client's, with no topic tracked, refreshes every topic's
                await consumer._client.force_metadata_update()
                partitions = consumer.partitions_for_topic(self.topic)
                if not partitions:
                    self.status.error = f"waiting for the topic {self.topic}"
                    await asyncio.sleep(1.0)
            tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            watchlist = [
                TopicPartition(self.watchlist_topic, p)
                for p in sorted(consumer.partitions_for_topic(self.watchlist_topic or "") or ())
            ]
            consumer.assign(tps + watchlist)
            for tp in watchlist:
                await consumer.seek_to_beginning(tp)
            stored = self.store.offsets(self.topic)
            for tp in tps:
                if tp.partition in stored:
                    consumer.seek(tp, stored[tp.partition] + 1)
                else:
                    await consumer.seek_to_beginning(tp)
            end = await consumer.end_offsets(tps)
            self.status.state = "catching up"
            self.status.error = None
            log.info(
                "projecting %s from %s", self.topic, {tp.partition: stored.get(tp.partition) for tp in tps}
            )
            checked = time.monotonic()
            while True:
                if time.monotonic() - checked >= self.partition_check_s:
                    checked = time.monotonic()
                    if await self._repartitioned(consumer, partitions):
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
        await consumer._client.force_metadata_update()
        now = consumer.partitions_for_topic(self.topic) or set()
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
