"""Backoff with jitter, the per-webhook rate limit, and offset bookkeeping."""

from __future__ import annotations

import pytest

from alerts.config import RetryPolicy
from alerts.offsets import OffsetTracker
from alerts.throttle import RateLimiter, backoff

POLICY = RetryPolicy(max_attempts=8, initial=1.0, max=60.0, multiplier=2.0, jitter=0.5)


@pytest.mark.parametrize(
    ("attempt", "rand", "retry_after", "expected"),
    [
        (1, 0.0, None, 1.0),
        (2, 0.0, None, 2.0),
        (3, 1.0, None, 2.0),  # 4 s minus the full jitter (half)
        (10, 0.0, None, 60.0),  # capped
        (1, 0.0, 30.0, 30.0),  # Retry-After wins when longer
        (4, 0.0, 1.0, 8.0),  # and backoff wins when longer
    ],
)
def test_backoff(attempt: int, rand: float, retry_after: float | None, expected: float) -> None:
    assert backoff(POLICY, attempt, retry_after, rand=lambda: rand) == pytest.approx(expected)


def test_backoff_jitter_stays_within_bounds() -> None:
    import random

    rng = random.Random(1)
    waits = [backoff(POLICY, 3, rand=rng.random) for _ in range(200)]
    assert all(2.0 <= w <= 4.0 for w in waits)
    assert len({round(w, 3) for w in waits}) > 50


async def test_rate_limiter_spaces_sends_and_honours_pause() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert limiter.delay("k") == 0
    async with limiter.slot("k", 1.0):
        pass
    assert limiter.delay("k") == pytest.approx(1.0)
    limiter.pause("k", 30.0)
    assert limiter.delay("k") == pytest.approx(30.0)
    now[0] += 31
    assert limiter.delay("k") == 0
    assert limiter.delay("other") == 0


def test_offsets_commit_only_past_settled_records() -> None:
    t: OffsetTracker[str] = OffsetTracker()
    t.add("p0", 10, 2)
    t.add("p0", 11, 0)  # filtered out: nothing to deliver
    t.add("p0", 12, 1)
    assert t.to_commit() == {"p0": 10}
    t.settle("p0", 12)
    assert t.position("p0") == 10
    t.settle("p0", 10)
    assert t.position("p0") == 10  # one delivery of 10 still pending
    t.settle("p0", 10)
    assert t.to_commit() == {"p0": 13}
    t.committed({"p0": 13})
    assert t.to_commit() == {}
    assert t.in_flight() == 0


def test_offsets_forget_a_revoked_partition() -> None:
    t: OffsetTracker[str] = OffsetTracker()
    t.add("p1", 5, 1)
    t.forget("p1")
    t.settle("p1", 5)  # a late settle after revocation is ignored
    assert t.position("p1") is None and t.to_commit() == {}
