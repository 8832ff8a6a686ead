"""Entry dates as UTC datetimes, with the fetch time standing in for missing or absurd ones."""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

#: Dates before this are typos or epoch defaults, not news.
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
#: Clock skew tolerated for dates in the future; beyond it the date is not believed.
FUTURE_SLACK = timedelta(days=1)

_FIELDS = ("published_parsed", "updated_parsed", "created_parsed")


def entry_published(entry: Mapping[str, object], fetched_at: datetime) -> datetime:
    """When ``entry`` (a feedparser entry) was published, in UTC.

    feedparser already normalised the date to a UTC ``struct_time``; the first
    usable of published, updated, created wins, else ``fetched_at``.
    """
    for field in _FIELDS:
        value = entry.get(field)
        if isinstance(value, time.struct_time):
            try:
                when = datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError):
                continue
            if EARLIEST <= when <= fetched_at + FUTURE_SLACK:
                return when
    return fetched_at
