"""holds.decide and release_summary, table-driven: silences, snoozes, acknowledgements, releases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from alerts.holds import ActionState, StoryView, decide, release_summary
from alerts.samples import sample_alert
from wirewatch.actions import Action
from wirewatch.records import Alert, AlertItem, Severity

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
STORY = "story-1"


def action(kind: str, **fields: Any) -> Action:
    base: dict[str, Any] = {
        "action_id": f"{kind}-{fields.get('silence_id', '')}{fields.get('actor', 'alice')}",
        "kind": kind,
        "actor": "alice",
        "role": "analyst",
        "source": "console",
        "at": NOW - timedelta(hours=1),
    }
    if kind in ("acknowledge", "snooze"):
        base["story_key"] = STORY
    return Action(**{**base, **fields})


def snooze(minutes: int = 60, **fields: Any) -> Action:
    return action("snooze", until=NOW + timedelta(minutes=minutes), **fields)


def ack(severity: Severity = "high", **fields: Any) -> Action:
    return action("acknowledge", severity=severity, **fields)


def silence(matchers: dict[str, Any], **fields: Any) -> Action:
    defaults: dict[str, Any] = {
        "silence_id": "s1",
        "actor": "bob",
        "matchers": matchers,
        "starts_at": NOW - timedelta(hours=1),
        "ends_at": datetime(2026, 12, 7, 18, 0, tzinfo=UTC),
        "comment": "ceasefire talks",
    }
    return action("silence", **{**defaults, **fields})


def state(*actions: Action) -> ActionState:
    s = ActionState()
    for a in actions:
        s.apply(a)
    return s


def alert(revision: int = 1, severity: Severity = "high", **fields: Any) -> Alert:
    return sample_alert(1, story=STORY, revision=revision, severity=severity, at=NOW).model_copy(
        update=fields
    )


PUSHED_HIGH = StoryView(pushed=[(NOW - timedelta(minutes=30), "high")], last_pushed=alert(0))
HELD = StoryView(last_pushed=alert(0), held=[(alert(1), "snoozed")])

CASES: list[tuple[str, ActionState, Alert, str, bool, StoryView, str, str]] = [
    # id, state, alert, channel, never_mute, view, outcome, reason starts with
    ("nothing", state(), alert(), "ops", False, StoryView(), "send", ""),
    ("snoozed", state(snooze()), alert(), "ops", False, StoryView(), "held", "snoozed by alice until"),
    ("snooze ended", state(snooze(-5)), alert(), "ops", False, StoryView(), "send", ""),
    ("snooze cancelled", state(snooze(cancelled=True)), alert(), "ops", False, StoryView(), "send", ""),
    (
        "snooze of another story",
        state(snooze(story_key="other")),
        alert(),
        "ops",
        False,
        StoryView(),
        "send",
        "",
    ),
    (
        "acked, same severity",
        state(ack()),
        alert(),
        "ops",
        False,
        StoryView(),
        "held",
        "acknowledged by alice",
    ),
    (
        "acked, lower",
        state(ack()),
        alert(severity="medium"),
        "ops",
        False,
        StoryView(),
        "held",
        "acknowledged",
    ),
    (
        "acked, rose",
        state(ack()),
        alert(severity="critical"),
        "ops",
        False,
        StoryView(),
        "send",
        "severity rose",
    ),
    (
        "acked, rise already pushed",
        state(ack()),
        alert(severity="critical"),
        "ops",
        False,
        StoryView(pushed=[(NOW - timedelta(minutes=10), "critical")]),
        "held",
        "acknowledged",
    ),
    (
        "acked, pushed before the ack does not count",
        state(ack()),
        alert(severity="critical"),
        "ops",
        False,
        StoryView(pushed=[(NOW - timedelta(hours=2), "critical")]),
        "send",
        "severity rose from high to critical",
    ),
    ("ack cancelled", state(ack(cancelled=True)), alert(), "ops", False, StoryView(), "send", ""),
    (
        "silenced by region",
        state(silence({"region": "idlib"})),
        alert(),
        "ops",
        False,
        StoryView(),
        "muted",
        "muted by bob until 2026-12-07 18:00 UTC — ceasefire talks",
    ),
    (
        "silence of another region",
        state(silence({"region": "Hama"})),
        alert(),
        "ops",
        False,
        StoryView(),
        "send",
        "",
    ),
    (
        "silence of other channels",
        state(silence({"region": "Idlib"}, channels=["mail"])),
        alert(),
        "ops",
        False,
        StoryView(),
        "send",
        "",
    ),
    (
        "silence of this channel",
        state(silence({"region": "Idlib"}, channels=["ops"])),
        alert(),
        "ops",
        False,
        StoryView(),
        "muted",
        "muted by bob",
    ),
    (
        "silence ended",
        state(silence({"region": "Idlib"}, ends_at=NOW - timedelta(minutes=1))),
        alert(),
        "ops",
        False,
        StoryView(),
        "send",
        "",
    ),
    (
        "silence not started",
        state(silence({"region": "Idlib"}, starts_at=NOW + timedelta(minutes=1))),
        alert(),
        "ops",
        False,
        StoryView(),
        "send",
        "",
    ),
    (
        "silence cancelled",
        state(silence({"region": "Idlib"}), silence({}, cancelled=True)),
        alert(),
        "ops",
        False,
        StoryView(),
        "send",
        "",
    ),
    (
        "critical on never_mute",
        state(silence({"region": "Idlib"})),
        alert(severity="critical"),
        "ops",
        True,
        StoryView(),
        "send",
        "",
    ),
    (
        "critical on never_mute, admin's silence",
        state(silence({"region": "Idlib"}, role="admin")),
        alert(severity="critical"),
        "ops",
        True,
        StoryView(),
        "muted",
        "muted by bob",
    ),
    (
        "high on never_mute",
        state(silence({"region": "Idlib"})),
        alert(),
        "ops",
        True,
        StoryView(),
        "muted",
        "muted",
    ),
    (
        "silence over snooze over ack",
        state(silence({"region": "Idlib"}), snooze(), ack()),
        alert(),
        "ops",
        False,
        StoryView(),
        "muted",
        "muted by bob",
    ),
    (
        "snooze over ack",
        state(snooze(), ack()),
        alert(),
        "ops",
        False,
        StoryView(),
        "held",
        "snoozed by alice",
    ),
    (
        "held updates, snooze ended",
        state(snooze(-1)),
        alert(2),
        "ops",
        False,
        HELD,
        "release",
        "while snoozed:",
    ),
    ("held updates, still snoozed", state(snooze()), alert(2), "ops", False, HELD, "held", "snoozed"),
]


@pytest.mark.parametrize(
    ("state_", "alert_", "channel", "never_mute", "view", "outcome", "reason"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_decide(
    state_: ActionState,
    alert_: Alert,
    channel: str,
    never_mute: bool,
    view: StoryView,
    outcome: str,
    reason: str,
) -> None:
    decision = decide(alert_, channel, never_mute, state_, NOW, view)
    assert decision.outcome == outcome
    assert decision.reason.startswith(reason)
    assert decision.sends == (outcome in ("send", "release"))
    if outcome in ("held", "muted"):
        assert decision.action_id and decision.kind


def test_the_reason_names_the_other_holds() -> None:
    decision = decide(
        alert(), "ops", False, state(silence({"region": "Idlib"}), snooze(), ack()), NOW, StoryView()
    )
    assert "also snoozed by alice" in decision.reason and "acknowledged by alice" in decision.reason
    assert decide(alert(), "ops", False, state(snooze(), ack()), NOW, StoryView()).reason.endswith(
        f"(also acknowledged by alice at {(NOW - timedelta(hours=1)):%Y-%m-%d %H:%M} UTC)"
    )


def test_a_rise_is_noted_on_the_alert() -> None:
    decision = decide(alert(severity="critical"), "ops", False, state(ack()), NOW, PUSHED_HIGH)
    assert decision.note == "severity rose from high to critical since acknowledged by alice"


def test_a_later_record_replaces_the_earlier() -> None:
    s = state(snooze(), snooze(cancelled=True))
    assert decide(alert(), "ops", False, s, NOW, StoryView()).outcome == "send"


def _item(source: str, n: int) -> AlertItem:
    return AlertItem(id=f"i{n}", title="t", source=source, published_at=NOW)


@pytest.mark.parametrize(
    ("held", "last", "latest", "expected"),
    [
        pytest.param(
            [alert(1, report_count=3, items=[_item("AFP", 1), _item("AP", 2)])],
            alert(0, report_count=1, items=[_item("AFP", 0)]),
            alert(2, severity="critical", report_count=5, items=[_item("BBC", 3)]),
            "while snoozed: 4 reports, 2 new outlets, severity high → critical",
            id="reports, outlets, severity",
        ),
        pytest.param(
            [alert(1, report_count=2, items=[_item("AFP", 1)])],
            alert(0, report_count=1, items=[_item("AFP", 0)]),
            alert(1, report_count=2, items=[_item("AFP", 1)]),
            "while snoozed: 1 report",
            id="the latest held is the one pushed",
        ),
        pytest.param(
            [alert(0, report_count=1, items=[_item("AFP", 1)])],
            None,
            alert(1, report_count=2, items=[_item("AFP", 1), _item("AP", 1)]),
            "while snoozed: 2 reports, 2 new outlets",
            id="nothing pushed before",
        ),
    ],
)
def test_release_summary(held: list[Alert], last: Alert | None, latest: Alert, expected: str) -> None:
    assert release_summary(held, last, latest) == expected
