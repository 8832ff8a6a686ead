"""ActionFollower without a broker: records replace by key, junk is counted, a silent topic is bounded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry

from alerts.actions import ActionFollower
from alerts.metrics import AlertsMetrics
from wirewatch.actions import Action

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def follower() -> ActionFollower:
    return ActionFollower("127.0.0.1:1", "t.actions.v1", AlertsMetrics.create(CollectorRegistry()), {})


def snooze(cancelled: bool = False) -> bytes:
    action = Action(
        action_id="a1",
        kind="snooze",
        actor="alice",
        role="analyst",
        source="console",
        at=NOW,
        story_key="story-1",
        until=NOW + timedelta(hours=1),
        cancelled=cancelled,
    )
    return action.to_bytes()


def test_a_later_record_replaces_the_earlier_and_junk_is_counted() -> None:
    f = follower()
    f.apply(snooze(), 0, 0)
    f.apply(b"{not json", 0, 1)
    f.apply(None, 0, 2)
    f.apply(snooze(cancelled=True), 0, 3)
    assert f.state.snoozes["story-1"].cancelled
    assert f.metrics.actions_undecodable._value.get() == 2
    assert f.metrics.actions.labels("snooze")._value.get() == 2


class _Silent:
    """A consumer whose broker never answers ``end_offsets``."""

    def assignment(self) -> set[Any]:
        return {("t.actions.v1", 0)}

    async def end_offsets(self, parts: list[Any]) -> dict[Any, int]:
        await asyncio.sleep(3600)
        return {}


class _Behind:
    def assignment(self) -> set[Any]:
        return {("t.actions.v1", 0)}

    async def end_offsets(self, parts: list[Any]) -> dict[Any, int]:
        return {("t.actions.v1", 0): 5}


async def test_sync_is_bounded_when_the_topic_does_not_answer() -> None:
    f = follower()
    f._consumer = _Silent()
    assert await f.sync(0.2) is False
    assert f.metrics.actions_lagging._value.get() == 1


async def test_sync_waits_for_the_position_to_reach_the_end() -> None:
    f = follower()
    f._consumer = _Behind()

    async def reader() -> None:
        await asyncio.sleep(0.1)
        f._positions[("t.actions.v1", 0)] = 5
        f._progress.set()

    task = asyncio.create_task(reader())
    assert await f.sync(5.0) is True
    await task
    assert f.metrics.actions_lagging._value.get() == 0
