"""Fixtures of the alerts unit tests: sample alerts and hostile titles. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts.samples import sample_alert
from wirewatch.records import Alert

INJECTION = "<!channel> Breaking <http://evil.example|reuters.com> @here <script>"
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def injection() -> str:
    """The title of issue 6's injection test."""
    return INJECTION


@pytest.fixture
def hostile() -> Alert:
    """An alert whose title, source and names try every trick."""
    alert = sample_alert(1, title=INJECTION, at=T0, revision=2)
    item = alert.items[0].model_copy(update={"source": "<@U123ABC> Reuters", "url": "javascript:alert(1)"})
    return alert.model_copy(
        update={
            "items": [item, *alert.items[1:]],
            "actors": ["<!everyone>", "@channel"],
            "regions": ["<#C0123|general>"],
            "update_reason": "<!here> spoof",
        }
    )
