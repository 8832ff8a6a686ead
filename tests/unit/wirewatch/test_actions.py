"""The shared action records: silence matchers, validation, keys, signed links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from wirewatch.actions import (
    Action,
    LinkClaim,
    matches,
    normalise_matchers,
    parse_slack_button_value,
    sign_link,
    slack_button_value,
    verify_link,
)
from wirewatch.errors import RecordError
from wirewatch.records import Alert

T0 = datetime(2026, 12, 7, 12, tzinfo=UTC)


def alert(**over: object) -> Alert:
    base: dict[str, object] = {
        "alert_id": "a1",
        "story_key": "s1",
        "kind": "escalation",
        "rule": "strikes",
        "rules": ["strikes", "north"],
        "severity": "high",
        "actors": ["Russia"],
        "regions": ["Idlib", "Hama"],
        "escalations": ["air strike"],
        "first_seen": T0,
        "last_seen": T0,
    }
    return Alert(**(base | over))


@pytest.mark.parametrize(
    ("matchers", "expected"),
    [
        ({"region": ["Idlib"]}, True),
        ({"region": ["idlib "]}, True),
        ({"region": ["Aleppo"]}, False),
        ({"region": ["Aleppo", "Hama"]}, True),
        ({"region": ["Idlib"], "actor": ["Turkey"]}, False),
        ({"region": ["Idlib"], "actor": ["Russia"]}, True),
        ({"rule": ["north"]}, True),
        ({"severity": ["critical"]}, False),
        ({"severity": ["high", "critical"]}, True),
        ({"escalation": ["Air  Strike"]}, True),
        ({}, False),
    ],
)
def test_silence_matchers(matchers: dict[str, list[str]], expected: bool) -> None:
    assert matches(matchers, alert()) is expected


def test_rule_falls_back_to_the_first_rule() -> None:
    assert matches({"rule": ["strikes"]}, alert(rules=[]))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "at least one matcher"),
        ({"place": "Idlib"}, "unknown matcher 'place'"),
        ({"region": []}, "'region' is empty"),
        ({"region": "  "}, "'region' is empty"),
        ({"severity": "urgent"}, "'urgent' is not"),
        ({"region": 3}, "expected a name"),
    ],
)
def test_bad_matchers_are_refused(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise_matchers(raw)


def silence(**over: object) -> Action:
    base: dict[str, object] = {
        "action_id": "x1",
        "kind": "silence",
        "actor": "alice",
        "role": "analyst",
        "source": "console",
        "at": T0,
        "silence_id": "sil1",
        "matchers": {"region": "Idlib"},
        "starts_at": T0,
        "ends_at": T0 + timedelta(hours=2),
        "comment": "known shelling, covered by the desk",
    }
    return Action(**(base | over))


def test_silence_window_and_key() -> None:
    s = silence()
    assert s.matchers == {"region": ["Idlib"]}
    assert s.key == "silence:sil1"
    assert not s.active(T0 - timedelta(seconds=1))
    assert s.active(T0)
    assert not s.active(T0 + timedelta(hours=2))
    assert not silence(cancelled=True).active(T0)


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"matchers": {}}, "at least one matcher"),
        ({"comment": "  "}, "needs a comment"),
        ({"ends_at": T0}, "must be after"),
    ],
)
def test_bad_silences_are_refused(over: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        silence(**over)


def test_a_bad_record_on_the_topic_is_a_record_error() -> None:
    raw = silence().model_dump(mode="json") | {"comment": ""}
    import json

    with pytest.raises(RecordError, match="comment"):
        Action.from_bytes(json.dumps(raw))
    assert Action.from_bytes(silence().to_bytes()) == silence()


def test_story_actions_are_keyed_by_story_and_kind() -> None:
    common = {"actor": "bob", "role": "analyst", "source": "api", "at": T0, "story_key": "s9"}
    ack = Action(action_id="1", kind="acknowledge", severity="high", **common)
    snooze = Action(action_id="2", kind="snooze", until=T0 + timedelta(hours=1), **common)
    assert ack.key == "story:s9:acknowledge" and ack.active(T0)
    assert snooze.key == "story:s9:snooze"
    assert snooze.active(T0) and not snooze.active(T0 + timedelta(hours=1))
    with pytest.raises(ValidationError, match="until"):
        Action(action_id="3", kind="snooze", **common)


def test_links_verify_once_signed_and_refuse_tampering() -> None:
    claim = LinkClaim(kind="snooze", story_key="s1", alert_id="a1", channel="ops", expires=T0, nonce="n1")
    token = sign_link("k" * 32, claim)
    assert verify_link("k" * 32, token, now=T0 - timedelta(minutes=1)) == claim
    with pytest.raises(RecordError, match="expired"):
        verify_link("k" * 32, token, now=T0)
    with pytest.raises(RecordError, match="bad signature"):
        verify_link("other", token, now=T0 - timedelta(minutes=1))
    payload, mac = token.split(".")
    with pytest.raises(RecordError, match="bad signature"):
        verify_link("k" * 32, payload[:-2] + "xx." + mac, now=T0 - timedelta(minutes=1))
    for junk in ("", "abc", ".", "a.b", "a.!!!"):
        with pytest.raises(RecordError):
            verify_link("k" * 32, junk, now=T0)


def test_slack_button_values_round_trip() -> None:
    value = slack_button_value("snooze", "s1", "a1", minutes=60)
    assert parse_slack_button_value(value) == {
        "kind": "snooze",
        "story_key": "s1",
        "alert_id": "a1",
        "minutes": 60,
    }
    for junk in ("nope", "[]", '{"kind": "delete", "story_key": "s"}', '{"kind": "snooze"}'):
        with pytest.raises(RecordError):
            parse_slack_button_value(junk)
