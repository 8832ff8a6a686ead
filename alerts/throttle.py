"""Pacing: exponential backoff with jitter between retries, and a per-webhook rate limit.

``backoff`` is pure. ``RateLimiter`` keeps, per key (one Slack webhook), the
earliest moment the next message may go; a ``Retry-After`` from the server
pushes that moment back for every channel sharing the webhook.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from alerts.config import RetryPolicy


def backoff(
    policy: RetryPolicy,
    attempt: int,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    ``initial × multiplier^(attempt-1)``, capped at ``max``, minus up to
    ``jitter`` of itself at random (so many senders do not retry in step);
    never shorter than the server's ``Retry-After``.
    """
    base = min(policy.max, policy.initial * policy.multiplier ** max(0, attempt - 1))
    wait = base * (1.0 - policy.jitter * rand())
    return max(wait, retry_after or 0.0)


class RateLimiter:
    """At most one message per ``interval`` per key; one sender at a time per key."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def delay(self, key: str) -> float:
        """Seconds until ``key`` may send again (0 when it may now)."""
        return max(0.0, self._next.get(key, 0.0) - self._clock())

    def pause(self, key: str, seconds: float) -> None:
        """Hold every sender on ``key`` for ``seconds`` (a 429's Retry-After)."""
        self._next[key] = max(self._next.get(key, 0.0), self._clock() + seconds)

    @asynccontextmanager
    async def slot(self, key: str | None, interval: float) -> AsyncIterator[None]:
        """Wait for ``key``'s turn, send inside the block; the next turn is ``interval`` later.

        A ``None`` key (channels without a rate limit) never waits.
        """
        if key is None:
            yield
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            # A loop, not one sleep: a Retry-After may push the deadline back meanwhile.
            while (wait := self.delay(key)) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._next[key] = max(self._next.get(key, 0.0), self._clock() + interval)
