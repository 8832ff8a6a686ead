"""``wirewatch backtest --since``: an ISO-8601 time, or any duration back from now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from processors.backtest import parse_since
from wirewatch.errors import ConfigError

NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("90m", NOW - timedelta(minutes=90)),
        ("2w", NOW - timedelta(weeks=2)),
        ("1.5h", NOW - timedelta(hours=1.5)),
        (" 30 s ", NOW - timedelta(seconds=30)),
        ("3600", NOW - timedelta(hours=1)),  # a bare number is seconds, as everywhere
        ("0h", NOW),
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
        ("20261201", datetime(2026, 12, 1, tzinfo=UTC)),  # a basic-format date stays a date
        ("2026-12-01T10:00+02:00", datetime(2026, 12, 1, 10, tzinfo=timezone(timedelta(hours=2)))),
    ],
)
def test_since(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["5x", "yesterday", "-1h", ""])
def test_a_bad_since_is_a_config_error_naming_the_option(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_since(text, NOW)
    (issue,) = caught.value.issues
    assert str(issue) == (
        "--since: expected a duration like 500ms, 30s, 5m, 2h, 7d, 2w or a number of seconds "
        f"or an ISO-8601 time, got {text!r}"
    )
