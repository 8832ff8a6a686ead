"""HoldGate over a real (temporary) ledger: held and muted rows, re-reads, releases once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from alerts.config import ChannelsConfig, parse_channels
from alerts.gate import HoldGate
from alerts.holds import ActionState
from alerts.ledger import HELD, MUTED, SENT, Ledger
from alerts.metrics import AlertsMetrics
from alerts.samples import sample_alert
from tests.unit.alerts.test_holds import silence, snooze
from wirewatch.configfile import parse_yaml

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def gate_for(
    tmp_path: Path, state: ActionState, clock: Clock, config: ChannelsConfig | None = None
) -> HoldGate:
    text = "version: 1\ndefault: [ops]\nchannels:\n  - {name: ops, type: console}\n"
    config = config or parse_channels(parse_yaml(text, "channels.yaml"))
    metrics = AlertsMetrics.create(CollectorRegistry())
    return HoldGate(config, Ledger(tmp_path / "ledger.sqlite3"), state, metrics, clock=clock)


def test_snoozed_updates_are_held_then_released_once_with_a_summary(tmp_path: Path) -> None:
    clock = Clock()
    state = ActionState()
    gate = gate_for(tmp_path, state, clock)
    first = sample_alert(1, story="story-1", revision=0, at=NOW)
    assert gate.admit(first, "ops") == first
    gate.ledger.mark_sent([first], "ops")
    state.apply(snooze(30))
    updates = [
        sample_alert(1, story="story-1", revision=r, at=NOW, severity="critical").model_copy(
            update={"report_count": 1 + 2 * r}
        )
        for r in (1, 2)
    ]
    assert [gate.admit(u, "ops") for u in updates] == [None, None]
    assert gate.ledger.status(updates[0].alert_id, "ops") == HELD
    assert gate.admit(updates[1], "ops") is None, "a re-read held alert stays held"
    assert gate.releases({"ops"}) == []

    clock.now = NOW + timedelta(minutes=31)
    released = gate.releases({"ops"})
    assert [(c, a.alert_id) for c, a in released] == [("ops", updates[1].alert_id)]
    assert released[0][1].held_by == "while snoozed: 4 reports, severity high → critical"
    assert gate.releases({"ops"}) == [], "a release in flight is not started twice"

    gate.ledger.mark_sent([released[0][1]], "ops")
    gate.settled("ops", released[0][1])
    assert gate.ledger.status(updates[1].alert_id, "ops") == SENT
    assert gate.releases({"ops"}) == [] and gate.ledger.held_stories() == []
    nxt = sample_alert(1, story="story-1", revision=3, at=NOW)
    assert gate.admit(nxt, "ops") == nxt, "after the release, updates are pushed as usual"


def test_muted_alerts_are_recorded_and_never_released(tmp_path: Path) -> None:
    clock = Clock()
    state = ActionState()
    state.apply(
        silence({"region": "Idlib"}, starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=1))
    )
    gate = gate_for(tmp_path, state, clock)
    alert = sample_alert(2, at=NOW)
    assert gate.admit(alert, "ops") is None
    assert gate.ledger.status(alert.alert_id, "ops") == MUTED
    clock.now = NOW + timedelta(hours=2)
    assert gate.admit(alert, "ops") is None, "a muted alert re-read after the silence stays muted"
    assert gate.releases({"ops"}) == []
    other = sample_alert(3, at=NOW).model_copy(update={"regions": ["Hama"]})
    assert gate.admit(other, "ops") == other
