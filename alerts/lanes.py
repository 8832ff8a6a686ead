"""One lane per channel: a queue of alerts sent in order, with retries that block only that channel.

A lane takes the oldest alert (or, for a folding channel such as Slack, every
alert queued meanwhile, up to ``max_batch``: a burst becomes one message),
waits for the channel's rate-limit slot, sends, and on failure waits an
exponential backoff with jitter (never less than ``Retry-After``) before
trying the same batch again. Order per story holds because a lane never
sends a later alert before an earlier one is settled. After
``max_attempts``, or at once for a permanent refusal, the batch is
dead-lettered and the lane moves on.

Each alert's outcome goes to a ``Settler`` (the ledger, the DLQ and the
metrics behind it); then the job's ``settle`` callback releases its Kafka
offset. When the lane is closed mid-retry, the unsettled batch is simply
abandoned: its offset was not committed, so the next start reads it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from alerts.channels.base import Channel, Delivery
from alerts.config import RetryPolicy
from alerts.metrics import AlertsMetrics
from alerts.throttle import RateLimiter, backoff
from wirewatch.records import Alert

log = logging.getLogger(__name__)

#: seconds between tries when the settler itself fails (the DLQ topic unreachable)
SETTLE_RETRY_S = 2.0


@dataclass
class Job:
    """One alert for one channel; ``settle`` is called once when its delivery is settled."""

    alert: Alert
    settle: Callable[[], None]
    #: ``time.monotonic()`` when the record was read (None for replays)
    read_at: float | None = None


class Settler(Protocol):
    """Where a lane reports outcomes (implemented by ``alerts.service``)."""

    def already(self, alert_id: str, channel: str) -> bool:
        """True if the ledger says this alert was already sent or dead-lettered on the channel."""
        ...

    async def delivered(
        self, channel: str, alerts: Sequence[Alert], attempts: int, read_at: Sequence[float | None]
    ) -> None: ...

    async def dead(self, channel: str, alerts: Sequence[Alert], reason: str, attempts: int) -> None: ...


class Closing:
    """Set when the service stops; sleeps end early and lanes stop taking work."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def __bool__(self) -> bool:
        return self.event.is_set()

    async def sleep(self, seconds: float) -> bool:
        """Sleep ``seconds``; False if closing interrupted it."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout=max(0.0, seconds))
        except TimeoutError:
            return True
        return False


async def _attempt(channel: Channel, alerts: Sequence[Alert], digest: bool) -> Delivery:
    try:
        if len(alerts) == 1 and not digest:
            return await channel.send(alerts[0])
        return await channel.send_batch(alerts, digest=digest)
    except Exception as exc:
        # A channel bug must not kill the lane: treat it as a failed attempt.
        log.exception("channel %s raised while sending", channel.name)
        return Delivery.failed(channel.name, f"internal error: {type(exc).__name__}")


@dataclass(frozen=True)
class Sender:
    """What every lane shares: the retry policy, the rate limiter, the settler, metrics, closing."""

    policy: RetryPolicy
    limiter: RateLimiter
    settler: Settler
    metrics: AlertsMetrics
    closing: Closing

    async def send(
        self, channel: Channel, alerts: Sequence[Alert], digest: bool = False
    ) -> tuple[Delivery, int] | None:
        """Send ``alerts`` as one message until accepted, refused for good, or out of attempts.

        Returns the last ``Delivery`` and the number of attempts, or None if the
        service closed while waiting to retry.
        """
        attempt = 0
        while True:
            async with self.limiter.slot(channel.rate_key, channel.min_interval):
                attempt += 1
                started = time.monotonic()
                delivery = await _attempt(channel, alerts, digest)
                self.metrics.attempt(delivery, time.monotonic() - started)
                if delivery.retry_after and channel.rate_key:
                    self.limiter.pause(channel.rate_key, delivery.retry_after)
            if delivery.ok or delivery.permanent or attempt >= self.policy.max_attempts:
                return delivery, attempt
            wait = backoff(self.policy, attempt, delivery.retry_after)
            log.warning(
                "%s: attempt %d/%d for %d alert(s) failed (%s); retrying in %.1f s",
                channel.name,
                attempt,
                self.policy.max_attempts,
                len(alerts),
                delivery.reason,
                wait,
            )
            if not await self.closing.sleep(wait):
                return None

    async def settle(
        self,
        channel: str,
        alerts: Sequence[Alert],
        result: tuple[Delivery, int],
        read_at: Sequence[float | None],
    ) -> bool:
        """Record the outcome of a send (ledger, DLQ, metrics); retried until it sticks.

        Returns False if the service closed before the outcome could be recorded.
        """
        delivery, attempts = result
        while True:
            try:
                if delivery.ok:
                    await self.settler.delivered(channel, alerts, attempts, read_at)
                else:
                    reason = f"{delivery.reason} (after {attempts} attempt{'s' if attempts != 1 else ''})"
                    await self.settler.dead(channel, alerts, reason, attempts)
                return True
            except Exception as exc:
                log.error("%s: cannot record the outcome of %d alert(s): %s", channel, len(alerts), exc)
                if not await self.closing.sleep(SETTLE_RETRY_S):
                    return False

    async def deliver(
        self,
        channel: Channel,
        alerts: Sequence[Alert],
        read_at: Sequence[float | None],
        digest: bool = False,
    ) -> bool:
        """Send then settle; True once the outcome is recorded, False if closing cut it short."""
        result = await self.send(channel, alerts, digest)
        return result is not None and await self.settle(channel.name, alerts, result, read_at)


class Lane:
    """The queue and worker of one immediate (non-digest) channel."""

    def __init__(self, channel: Channel, sender: Sender):
        self.channel = channel
        self._sender = sender
        self._metrics = sender.metrics
        self._closing = sender.closing
        self._jobs: deque[Job] = deque()
        self._wake = asyncio.Event()

    def put(self, job: Job) -> None:
        """Queue ``job`` behind the others."""
        self._jobs.append(job)
        self._metrics.queue_depth.labels(self.channel.name).set(len(self._jobs))
        self._wake.set()

    def __len__(self) -> int:
        return len(self._jobs)

    def wake(self) -> None:
        """Let ``run`` notice that the service is closing."""
        self._wake.set()

    def _take(self) -> list[Job]:
        limit = self.channel.max_batch if self.channel.folds else 1
        batch: list[Job] = []
        ids: set[str] = set()
        while self._jobs and len(batch) < limit:
            job = self._jobs.popleft()
            alert_id = job.alert.alert_id
            # Sent before (a re-read record), or twice in this batch (a re-published alert).
            if alert_id in ids or self._sender.settler.already(alert_id, self.channel.name):
                self._metrics.deliveries.labels(self.channel.name, "duplicate").inc()
                job.settle()
                continue
            ids.add(alert_id)
            batch.append(job)
        self._metrics.queue_depth.labels(self.channel.name).set(len(self._jobs))
        return batch

    async def _next_batch(self) -> list[Job]:
        while not self._closing:
            if not self._jobs:
                self._wake.clear()
                await self._wake.wait()
                continue
            # Wait for the rate-limit slot before taking: a burst piles up meanwhile and is folded.
            delay = self._sender.limiter.delay(self.channel.rate_key) if self.channel.rate_key else 0.0
            if delay > 0 and not await self._closing.sleep(delay):
                break
            batch = self._take()
            if batch:
                return batch
        return []

    async def run(self) -> None:
        """Send queued alerts until closing; runs as one task per channel."""
        while batch := await self._next_batch():
            alerts = [j.alert for j in batch]
            if not await self._sender.deliver(self.channel, alerts, [j.read_at for j in batch]):
                return
            for job in batch:
                job.settle()
