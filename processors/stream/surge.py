"""Surge detection: escalation mentions of one entity far above its own baseline.

Counts live in hopping windows over fixed buckets of ``step``: the current
window is the buckets in ``(t - size, t]``; the baseline is the average count
per window over the ``baseline`` span before it. A surge fires when the
current count is at least ``min_count`` and at least ``factor`` times the
baseline, then stays quiet for one window (one alert per surge, not one per
mention). Until one window of history exists, a flow cannot be told from
a burst, so only a cold burst of ``factor × min_count`` fires. Event time
is the mention's fetch time, so replays and backfills count the same way as
live traffic.

State per entity is a small dict (buckets, last offset, last surge) kept in
a changelog-backed table; offsets at or below the last applied one are
replays and are not counted twice.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from processors.stream.candidates import Mention
from wirewatch.records import Alert, Evidence


@dataclass(frozen=True)
class SurgePolicy:
    """Window size and step, baseline span, and thresholds (see module doc)."""

    size: timedelta = timedelta(minutes=30)
    step: timedelta = timedelta(minutes=5)
    baseline: timedelta = timedelta(hours=6)
    min_count: int = 5
    factor: float = 3.0

    @property
    def steps_per_window(self) -> int:
        return max(1, math.ceil(self.size / self.step))

    @property
    def baseline_steps(self) -> int:
        return max(1, math.ceil(self.baseline / self.step))


@dataclass(frozen=True)
class SurgeReading:
    count: int
    baseline: float
    fired: bool


def _bucket(at: datetime, step: timedelta) -> int:
    return int(at.timestamp() // step.total_seconds())


def observe(
    state: dict[str, Any] | None, m: Mention, offset: int, policy: SurgePolicy
) -> tuple[dict[str, Any], Alert | None]:
    """Count mention ``m`` read at ``offset``; return the new state and a surge alert, if any."""
    state = dict(state or {})
    if offset <= int(state.get("offset", -1)):
        replay = state.get("alert_offset") == offset and state.get("alert")
        return state, Alert.model_validate_json(replay) if replay else None
    state["offset"] = offset
    buckets: dict[str, int] = dict(state.get("buckets", {}))
    now = _bucket(m.at, policy.step)
    buckets[str(now)] = buckets.get(str(now), 0) + 1
    horizon = now - policy.steps_per_window - policy.baseline_steps
    buckets = {k: v for k, v in buckets.items() if int(k) > horizon}
    state["buckets"] = buckets
    first = min(int(state.get("first_bucket", now)), now)
    state["first_bucket"] = first
    reading = read(buckets, now, policy, last_fired=state.get("fired_bucket"), first_bucket=first)
    if not reading.fired:
        return state, None
    state["fired_bucket"] = now
    alert = surge_alert(m, reading, now, policy)
    state["alert_offset"] = offset
    state["alert"] = alert.model_dump_json()
    return state, alert


def read(
    buckets: dict[str, int],
    now: int,
    policy: SurgePolicy,
    last_fired: int | None = None,
    first_bucket: int | None = None,
) -> SurgeReading:
    """The current window count, the baseline per window, and whether it is a surge."""
    w = policy.steps_per_window
    count = sum(v for k, v in buckets.items() if now - w < int(k) <= now)
    history = now - w - (now if first_bucket is None else first_bucket) + 1  # steps seen before the window
    span = max(1, min(policy.baseline_steps, history))
    past = sum(v for k, v in buckets.items() if now - w - span < int(k) <= now - w)
    baseline = past * w / span
    quiet = last_fired is None or now - int(last_fired) >= w
    needed = policy.min_count if history >= w else policy.factor * policy.min_count
    fired = quiet and count >= needed and count >= policy.factor * baseline
    return SurgeReading(count=count, baseline=baseline, fired=fired)


def surge_alert(m: Mention, reading: SurgeReading, bucket: int, policy: SurgePolicy) -> Alert:
    """The ``surge`` alert for entity ``m.entity`` in the window ending at ``bucket``."""
    key = f"surge:{m.entity}:{bucket}"
    start = datetime.fromtimestamp(bucket * policy.step.total_seconds(), UTC) - policy.size + policy.step
    minutes = int(policy.size.total_seconds() // 60)
    return Alert(
        alert_id="al-" + hashlib.sha256(key.encode()).hexdigest()[:24],
        story_key=key,
        kind="surge",
        rule="surge",
        severity="high" if reading.count >= 2 * policy.factor * max(reading.baseline, 1) else "medium",
        actors=[m.entity] if m.kind == "actor" else [],
        regions=[m.entity] if m.kind == "region" else [],
        escalations=sorted(set(m.escalations)),
        evidence=[
            Evidence(
                entity=m.entity,
                kind=m.kind,
                alias=m.entity,
                matched=f"{reading.count} escalation mentions in {minutes} min "
                f"(baseline {reading.baseline:.1f} per {minutes} min)",
                score=100.0,
                item_id=m.item_id,
            )
        ],
        items=[],
        source_count=reading.count,
        first_seen=start,
        last_seen=m.at,
        revision=0,
        watchlist_version=m.watchlist_version,
    )
