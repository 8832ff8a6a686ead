"""The analysts' actions as ``deliver`` knows them, followed live from ``wirewatch.actions.v1``.

The follower reads every partition of the actions topic from the beginning, with no
consumer group (every deliver needs every action, not a share of them), and keeps the
latest record per ``Action.key`` in an ``ActionState``. An undecodable record is logged
with its partition and offset, counted, and skipped.

"An action produced before an alert is read is applied to it": before the loop routes a
batch of alerts it calls ``sync()``, which takes the actions topic's end offsets *now*
and waits until the follower has read up to them. The wait is bounded: when the topic
does not answer, a warning is logged, ``wirewatch_deliver_actions_lagging_total`` counts
it, and delivery goes on with the state it has (an alert is never stuck behind it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from alerts.holds import ActionState
from alerts.metrics import AlertsMetrics
from wirewatch.actions import Action
from wirewatch.errors import RecordError

log = logging.getLogger(__name__)

#: longest wait for the follower to reach the end offsets before a batch is routed
SYNC_TIMEOUT_S = 5.0
#: longest wait for the first catch-up when deliver starts
START_TIMEOUT_S = 30.0
POLL_MS = 200


class ActionFollower:
    """Reads the actions topic into ``state``; ``sync`` waits until it has read what exists now."""

    def __init__(self, bootstrap: str, topic: str, metrics: AlertsMetrics, client_config: dict[str, Any]):
        self.topic = topic
        self.state = ActionState()
        self.metrics = metrics
        self._kafka = {"bootstrap_servers": bootstrap, **client_config}
        self._consumer: Any = None
        self._positions: dict[Any, int] = {}
        self._progress = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def apply(self, value: bytes | None, partition: int, offset: int) -> None:
        """Decode one record and take it into the state (an undecodable one is counted and skipped)."""
        try:
            action = Action.from_bytes(value)
        except RecordError as exc:
            self.metrics.actions_undecodable.inc()
            log.error("%s[%d]@%d is not an action: %s; skipped", self.topic, partition, offset, exc)
            return
        self.state.apply(action)
        self.metrics.actions.labels(action.kind).inc()

    async def start(self) -> None:
        """Connect and assign every partition from the beginning; the reading runs as a task."""
        from aiokafka import AIOKafkaConsumer, TopicPartition

        self._consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, **self._kafka)
        await self._consumer.start()
        await self._consumer.topics()  # fetches the metadata that names the partitions
        parts = self._consumer.partitions_for_topic(self.topic) or {0}
        tps = [TopicPartition(self.topic, p) for p in sorted(parts)]
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._task = asyncio.create_task(self._run(), name="actions-follower")

    async def _run(self) -> None:
        consumer = self._consumer
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=POLL_MS, max_records=1000)
                for tp, records in batches.items():
                    for record in records:
                        self.apply(record.value, tp.partition, record.offset)
                for tp in consumer.assignment():
                    self._positions[tp] = await consumer.position(tp)
                self._progress.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("reading %s failed (%s); retrying", self.topic, exc)
                await asyncio.sleep(1.0)

    def _reached(self, ends: dict[Any, int]) -> bool:
        return all(self._positions.get(tp, 0) >= end for tp, end in ends.items())

    async def sync(self, timeout_s: float = SYNC_TIMEOUT_S) -> bool:
        """Wait until every action on the topic now has been read; False (warned, counted) on timeout."""
        deadline = time.monotonic() + timeout_s
        try:
            ends = await asyncio.wait_for(
                self._consumer.end_offsets(list(self._consumer.assignment())), timeout_s
            )
            while not self._reached(ends):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self._progress.clear()
                await asyncio.wait_for(self._progress.wait(), left)
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.metrics.actions_lagging.inc()
            log.warning(
                "actions topic %s not read to its end within %.0f s (%s); deciding with the actions read",
                self.topic,
                timeout_s,
                type(exc).__name__,
            )
            return False

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()
