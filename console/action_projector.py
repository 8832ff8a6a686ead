"""Follows the actions and receipts topics into the ``ActionStore``, as the alerts projector does.

A second follower beside ``console.projector.Projector``, on the same parts
(``console.following``): an aiokafka consumer without a group, every partition of both
topics assigned (partitions added later too), each sought to the offset after the last one
stored (else the beginning). It starts reading once the alerts projection is live, so
"a story this console does not know" means one the alerts topic has not told it: such an
action is counted, copied to the actions dead-letter topic and skipped; an undecodable
record is counted and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from console import action_metrics
from console.action_store import ActionStore
from console.actions import Producer
from console.following import Status, follow_forever, new_consumer, partitions, seek_stored
from console.projector import PARTITION_CHECK_S
from console.store import Incoming
from wirewatch.actions import Action
from wirewatch.errors import RecordError

log = logging.getLogger(__name__)


@dataclass
class ActionProjector:
    """Follows ``actions_topic`` and ``receipts_topic`` into ``store``; ``run`` until cancelled."""

    bootstrap: str
    actions_topic: str
    receipts_topic: str
    dlq_topic: str
    store: ActionStore
    dlq: Producer
    #: whether the alerts projection has caught up (actions wait for it)
    alerts_live: Callable[[], bool] = lambda: True
    client_config: dict[str, object] = field(default_factory=dict)
    batch: int = 500
    #: how long an action naming an unknown target waits for the alerts follower to bring it
    #: (the two followers read at their own pace) before it is dead-lettered
    grace_s: float = 2.0
    status: Status = field(default_factory=Status)

    async def run(self) -> None:
        await follow_forever(self.follow, self.status, "actions topic")

    async def follow(self) -> None:
        self.status.state = "waiting for alerts"
        while not self.alerts_live():  # noqa: ASYNC110 - the alerts projector offers no event
            await asyncio.sleep(0.2)
        self.status.state = "connecting"
        consumer = new_consumer(self.bootstrap, self.client_config)
        topics = (self.actions_topic, self.receipts_topic)
        try:
            await consumer.start()
            tps = await partitions(consumer, topics)
            while self.actions_topic not in {tp.topic for tp in tps}:
                await asyncio.sleep(1.0)
                tps = await partitions(consumer, topics)
            consumer.assign(tps)
            await seek_stored(consumer, tps, self.store.offsets)
            self.status.state = "live"
            self.status.error = None
            checked = time.monotonic()
            while True:
                if time.monotonic() - checked >= PARTITION_CHECK_S:
                    checked = time.monotonic()
                    if set(await partitions(consumer, topics)) - set(tps):
                        return  # ``run`` follows again, with every partition assigned
                fetched = await consumer.getmany(timeout_ms=500, max_records=self.batch)
                records = [
                    Incoming(tp.topic, tp.partition, r.offset, r.value)
                    for tp, batch in fetched.items()
                    for r in batch
                ]
                if records:
                    await self.apply(records)
        finally:
            await consumer.stop()

    async def apply(self, records: list[Incoming]) -> None:
        """Project ``records``; the actions naming an unknown target are dead-lettered first.

        First, so a crash between the two sends them again rather than never (the dead-letter
        topic is at-least-once); then the store skips them, counted.
        """
        suspects: list[tuple[Incoming, Action]] = []
        for r in records:
            if r.topic != self.actions_topic:
                continue
            try:
                action = Action.from_bytes(r.value)
            except RecordError:
                continue
            if not self.store.known_target(action):
                suspects.append((r, action))
        deadline = asyncio.get_running_loop().time() + self.grace_s
        while suspects and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
            suspects = [(r, a) for r, a in suspects if not self.store.known_target(a)]
        for r, action in suspects:
            log.error(
                "dead-lettering %s at %s[%d]@%d: %s names a target this console does not know (%s)",
                action.action_id,
                r.topic,
                r.partition,
                r.offset,
                action.kind,
                action.story_key or action.alert_id,
            )
            await self.dlq.send(self.dlq_topic, action.key.encode(), r.value or b"")
            action_metrics.DEAD_LETTERED.labels("unknown_target").inc()
        done = self.store.apply(records, self.actions_topic, self.receipts_topic)
        for topic, partition, offset, reason in done.malformed:
            log.error("skipping a malformed record at %s[%d]@%d: %s", topic, partition, offset, reason)
            action_metrics.DEAD_LETTERED.labels("undecodable").inc()
        for action in done.new:
            action_metrics.count_feedback(action)
        self.status.applied += len(done.new)
        self.status.malformed += len(done.malformed)
