"""Surge detection over hopping windows against the entity's own trailing baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from processors.stream.candidates import Mention
from processors.stream.surge import SurgePolicy, observe

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
POLICY = SurgePolicy(
    size=timedelta(minutes=30), step=timedelta(minutes=5), baseline=timedelta(hours=6), min_count=5, factor=3
)


def mention(minutes: float, entity: str = "Idlib") -> Mention:
    return Mention(
        entity=entity,
        kind="region",
        item_id=f"i-{minutes}",
        escalations=["air strike"],
        severity="high",
        at=T0 + timedelta(minutes=minutes),
        watchlist_version="v",
    )


def feed(minutes: list[float]) -> list:
    state, alerts = None, []
    for offset, m in enumerate(minutes):
        state, alert = observe(state, mention(m), offset, POLICY)
        if alert is not None:
            alerts.append(alert)
    return alerts


def test_a_burst_after_quiet_fires_one_surge() -> None:
    quiet = [i * 60.0 for i in range(6)]  # one an hour
    burst = [400 + i for i in range(12)]  # twelve in twelve minutes
    alerts = feed(quiet + burst)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.kind == "surge" and alert.regions == ["Idlib"] and alert.rule == "surge"
    assert alert.source_count >= POLICY.min_count


def test_a_steady_flow_never_fires() -> None:
    steady = [i * 4.0 for i in range(200)]  # one every 4 minutes for 13 hours
    assert feed(steady) == []


def test_a_cold_burst_on_a_new_entity_fires_when_strong_enough() -> None:
    assert len(feed([100 + i * 0.5 for i in range(int(POLICY.factor * POLICY.min_count))])) == 1
    assert feed([100 + i * 3.0 for i in range(8)]) == []  # 8 in 24 min, no history: not enough


def test_below_the_minimum_count_never_fires() -> None:
    assert feed([100 + i for i in range(POLICY.min_count - 1)]) == []


def test_a_long_burst_fires_once_per_window_not_per_mention() -> None:
    alerts = feed([500 + i * 0.5 for i in range(40)])  # 40 in 20 minutes
    assert len(alerts) == 1


def test_replays_are_not_counted_twice_and_re_emit_the_same_alert() -> None:
    state, fired = None, None
    history = [mention(i * 60.0) for i in range(3)]
    for offset, m in enumerate([*history, *(mention(300 + i) for i in range(5))]):
        state, alert = observe(state, m, offset, POLICY)
        fired = alert or fired
    assert fired is not None
    again, replayed = observe(state, mention(304), 7, POLICY)
    assert replayed is not None and replayed.alert_id == fired.alert_id
    assert again["buckets"] == state["buckets"]
