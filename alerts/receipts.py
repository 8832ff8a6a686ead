"""Receipts: what deliver decided per alert and channel, on ``wirewatch.receipts.v1`` (key = alert id).

A receipt is published after the ledger write it reports (sent, dead, held, muted,
released), by a background task: ``publish`` only queues, so a broker that does not take
receipts never holds up a lane or the offset commit. A failed send is retried with a
backoff up to ``MAX_ATTEMPTS`` times, then dropped with an error log and
``wirewatch_deliver_receipts_failed_total`` (the ledger keeps the decision either way);
the queue is bounded the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from alerts.metrics import AlertsMetrics
from wirewatch.actions import Outcome, Receipt
from wirewatch.records import Alert, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_QUEUED = 10_000


class ReceiptSink:
    """Queues receipts and publishes them with an aiokafka producer in the background."""

    def __init__(self, producer: Any, topic: str, metrics: AlertsMetrics, retry_s: float = 1.0):
        self._producer = producer
        self.topic = topic
        self._metrics = metrics
        self._retry_s = retry_s
        self._queue: deque[Receipt] = deque()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def publish(
        self, alert: Alert, channel: str, outcome: Outcome, reason: str = "", action_id: str = ""
    ) -> None:
        """Queue the receipt of one decision (after its ledger write); never blocks."""
        if len(self._queue) >= MAX_QUEUED:
            self._metrics.receipts_failed.inc()
            log.error("receipts queue full; dropping the receipt of %s on %s", alert.alert_id, channel)
            return
        self._queue.append(
            Receipt(
                alert_id=alert.alert_id,
                story_key=alert.story_key,
                revision=alert.revision,
                channel=channel,
                outcome=outcome,
                reason=reason[:500],
                action_id=action_id,
                at=utcnow(),
            )
        )
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="receipts")

    async def _send(self, receipt: Receipt) -> None:
        future = await self._producer.send(
            self.topic, value=receipt.to_bytes(), key=receipt.alert_id.encode()
        )
        await future

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._drained.set()
                self._wake.clear()
                await self._wake.wait()
                self._drained.clear()
                continue
            receipt = self._queue[0]
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    await self._send(receipt)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if attempt == MAX_ATTEMPTS:
                        self._metrics.receipts_failed.inc()
                        log.error("receipt of %s not published: %s; dropped", receipt.alert_id, exc)
                    else:
                        await asyncio.sleep(self._retry_s * attempt)
            self._queue.popleft()

    async def stop(self, grace_s: float = 5.0) -> None:
        """Publish what is queued (up to ``grace_s``), then stop."""
        if self._task is None:
            return
        if self._queue and not self._task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), grace_s)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
