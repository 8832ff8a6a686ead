"""When a feed is polled next: interval, backoff with jitter, Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from ingest.fetch.policy import MAX_RETRY_AFTER_S, next_delay, parse_retry_after

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Tue, 24 Nov 2026 12:05:00 GMT", 300.0),
        ("Tue, 24 Nov 2026 11:00:00 GMT", 0.0),  # in the past: now
        ("999999999", MAX_RETRY_AFTER_S),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_a_healthy_feed_keeps_its_interval() -> None:
    assert next_delay(300, 0, 3600) == 300


def test_failures_back_off_exponentially_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    delays = [next_delay(60, n, 3600, rng=rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(3600, 60 * 2**n)
        assert max(60, ceiling / 2) <= delay <= ceiling
    assert delays[-1] >= 1800  # capped, still jittered in [50 %, 100 %] of the cap
    spread = {round(next_delay(60, 5, 3600, rng=rng)) for _ in range(20)}
    assert len(spread) > 5  # jitter: feeds that broke together do not retry together


def test_backoff_never_polls_faster_than_the_interval() -> None:
    assert next_delay(7200, 3, 3600, rng=random.Random(1)) == 7200


def test_retry_after_is_a_floor() -> None:
    assert next_delay(60, 1, 3600, retry_after=900, rng=random.Random(1)) == 900
    assert next_delay(600, 0, 3600, retry_after=5) == 600
