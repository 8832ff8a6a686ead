"""The alert ``wirewatch channels test`` sends says TEST wherever a channel shows it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from alerts.render import email, slack, text
from alerts.samples import channels_test_alert
from wirewatch.records import Alert

AT = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "shown",
    [
        pytest.param(email.subject, id="email-subject"),
        pytest.param(slack.fallback, id="slack-notification"),
        pytest.param(lambda a: slack.alert_payload(a)["blocks"][0]["text"]["text"], id="slack-title"),
        pytest.param(lambda a: text.text_body(a).splitlines()[0], id="console-first-line"),
    ],
)
def test_the_title_says_test(shown: Callable[[Alert], str]) -> None:
    title = shown(channels_test_alert("slack-ops", at=AT))
    assert "TEST" in title and "not a real event" in title


def test_nothing_in_it_looks_like_a_real_event() -> None:
    alert = channels_test_alert("slack-ops", at=AT)
    assert all(item.title.startswith("TEST") for item in alert.items)
    assert not alert.actors and not alert.regions
    assert "Idlib" not in json.dumps(slack.alert_payload(alert)) and "Idlib" not in email.text_body(alert)


def test_each_test_is_a_new_story() -> None:
    first, later = channels_test_alert("s", at=AT), channels_test_alert("s", at=AT.replace(minute=1))
    assert first.story_key != later.story_key and first.alert_id != later.alert_id
    assert first.revision == 0
