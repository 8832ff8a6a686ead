"""Digest channels (``digest: 15m``): alerts are kept in the ledger, sent together once per interval.

Queuing an alert in the ledger settles it for Kafka (its offset may be
committed): the ledger, not the topic, now holds it. Every ``interval``
(counted in wall-clock time from the last digest, persisted, so a restart
keeps the cadence) the lane sends what is pending, oldest first, in chunks
of the channel's ``max_batch``, with the same retries as any send; a chunk
is removed from the queue only when sent or dead-lettered. A restart
therefore neither loses nor repeats a digest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from alerts.channels.base import Channel
from alerts.lanes import Job, Sender
from alerts.ledger import Ledger

log = logging.getLogger(__name__)


class DigestLane:
    """The queue (in the ledger) and timer of one digest channel."""

    def __init__(
        self,
        channel: Channel,
        interval: float,
        sender: Sender,
        ledger: Ledger,
        clock: Callable[[], float] = time.time,
    ):
        self.channel = channel
        self.interval = interval
        self._sender = sender
        self._ledger = ledger
        self._metrics = sender.metrics
        self._closing = sender.closing
        self._clock = clock
        self._gauge = self._metrics.digest_pending.labels(channel.name)
        self._gauge.set(ledger.digest_count(channel.name))

    def put(self, job: Job) -> None:
        """Keep the alert for the next digest (once) and settle the job."""
        name = self.channel.name
        outcome = "digested" if self._ledger.enqueue_digest(name, job.alert) else "duplicate"
        self._metrics.deliveries.labels(name, outcome).inc()
        self._gauge.set(self._ledger.digest_count(name))
        job.settle()

    def wake(self) -> None:
        """Nothing to wake: ``run`` sleeps on the closing event."""

    def due(self) -> float:
        """Wall-clock time of the next digest; the first start begins the first interval now."""
        last = self._ledger.last_flush(self.channel.name)
        if last is None:
            last = self._clock()
            self._ledger.set_last_flush(self.channel.name, last)
        return last + self.interval

    async def flush(self) -> bool:
        """Send everything pending now, chunk by chunk; False if closing interrupted it."""
        name = self.channel.name
        while pending := self._ledger.digest_pending(name, limit=self.channel.max_batch):
            if not await self._sender.deliver(self.channel, pending, [None] * len(pending), digest=True):
                return False
            self._gauge.set(self._ledger.digest_count(name))
            log.info("%s: digest of %d alert(s) settled", name, len(pending))
        return True

    async def run(self) -> None:
        """Flush every ``interval`` until closing."""
        while not self._closing:
            if not await self._closing.sleep(self.due() - self._clock()):
                return
            started = self._clock()
            if not await self.flush():
                return
            self._ledger.set_last_flush(self.channel.name, started)
