"""When to poll a feed next: its interval, stretched by failures, and Retry-After.

Pure functions, called by the poll loop after every poll.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Longest Retry-After believed; a server asking for more is polled again after this.
MAX_RETRY_AFTER_S = 24 * 3600.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent
    or unreadable. Capped to ``MAX_RETRY_AFTER_S``, never negative.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def next_delay(
    interval: float,
    failures: int,
    backoff_max: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next poll of a feed.

    A healthy feed (``failures == 0``) is polled every ``interval``. A failing
    one backs off exponentially (``interval × 2^failures``, at most
    ``max(backoff_max, interval)``) with jitter in [50 %, 100 %] so feeds that
    broke together do not retry together. A server's Retry-After is a floor.
    """
    if failures <= 0:
        delay = interval
    else:
        ceiling = max(backoff_max, interval)
        delay = min(ceiling, interval * 2.0 ** min(failures, 32))
        delay *= (rng or random).uniform(0.5, 1.0)
        delay = max(delay, min(interval, ceiling))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
