"""Lanes with an in-memory channel: order, folding, retries, dead letters, duplicates, digests."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from prometheus_client import CollectorRegistry

from alerts.channels.base import Channel, ChannelOptions, Delivery
from alerts.config import RetryPolicy
from alerts.digest import DigestLane
from alerts.lanes import Closing, Job, Lane, Sender
from alerts.ledger import Ledger
from alerts.metrics import AlertsMetrics
from alerts.samples import sample_alert
from alerts.throttle import RateLimiter
from wirewatch.records import Alert

FAST = RetryPolicy(max_attempts=3, initial=0.001, max=0.01, jitter=0.0)


class Scripted(Channel):
    """Answers from a script of Deliveries (then ok); records every message."""

    type = "scripted"

    def __init__(self, script: Sequence[str] = (), folds: bool = False, interval: float = 0.0):
        super().__init__(ChannelOptions(name="c", type="scripted"))
        self.script = list(script)
        self.messages: list[list[str]] = []
        self.folds = folds  # type: ignore[misc]
        self.min_interval = interval

    @property
    def rate_key(self) -> str | None:
        return "k" if self.min_interval else None

    async def send(self, alert: Alert) -> Delivery:
        return await self.send_batch([alert])

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        await asyncio.sleep(0)
        self.messages.append([a.alert_id for a in alerts])
        step = self.script.pop(0) if self.script else "ok"
        if step == "ok":
            return Delivery.sent(self.name)
        if step == "429":
            return Delivery.failed(self.name, "HTTP 429", retry_after=0.001)
        if step == "boom":
            raise RuntimeError("bug")
        return Delivery.failed(self.name, step, permanent=step == "404")


class MemorySettler:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.sent: list[str] = []
        self.letters: list[tuple[str, str]] = []

    def already(self, alert_id: str, channel: str) -> bool:
        return self.ledger.status(alert_id, channel) in ("sent", "dead")

    async def delivered(self, channel: str, alerts: Sequence[Alert], attempts: int, read_at: object) -> None:
        self.ledger.mark_sent(alerts, channel, attempts)
        self.sent += [a.alert_id for a in alerts]

    async def dead(self, channel: str, alerts: Sequence[Alert], reason: str, attempts: int) -> None:
        self.ledger.mark_dead(alerts, channel, reason, attempts)
        self.letters += [(a.alert_id, reason) for a in alerts]


@pytest.fixture
def settler() -> MemorySettler:
    return MemorySettler(Ledger(":memory:"))


def sender(settler: MemorySettler, policy: RetryPolicy = FAST) -> Sender:
    return Sender(policy, RateLimiter(), settler, AlertsMetrics.create(CollectorRegistry()), Closing())


async def run_until_settled(lane: Lane, jobs: list[Job], settled: list[int], closing: Closing) -> None:
    task = asyncio.create_task(lane.run())
    for job in jobs:
        lane.put(job)
    for _ in range(2000):
        if len(settled) == len(jobs):
            break
        await asyncio.sleep(0.001)
    closing.event.set()
    lane.wake()
    await asyncio.wait_for(task, 5)


def jobs_for(alerts: list[Alert], settled: list[int]) -> list[Job]:
    return [Job(a, lambda i=i: settled.append(i)) for i, a in enumerate(alerts)]


async def test_retries_then_delivers_in_order(settler: MemorySettler) -> None:
    channel = Scripted(["HTTP 500", "429"])
    s = sender(settler)
    settled: list[int] = []
    alerts = [sample_alert(1, story="s"), sample_alert(1, story="s", revision=1), sample_alert(2)]
    await run_until_settled(Lane(channel, s), jobs_for(alerts, settled), settled, s.closing)
    assert settler.sent == [a.alert_id for a in alerts]
    assert channel.messages[0] == channel.messages[1] == channel.messages[2] == [alerts[0].alert_id]
    assert settled == [0, 1, 2]


@pytest.mark.parametrize(
    ("script", "messages", "reason"),
    [
        (["HTTP 500"] * 3, 3, "HTTP 500 (after 3 attempts)"),
        (["404"], 1, "404 (after 1 attempt)"),
        (["boom"] * 3, 3, "internal error: RuntimeError"),
    ],
)
async def test_gives_up_into_the_dead_letters(
    settler: MemorySettler, script: list[str], messages: int, reason: str
) -> None:
    channel = Scripted(script)
    s = sender(settler)
    settled: list[int] = []
    alerts = [sample_alert(1), sample_alert(2)]
    await run_until_settled(Lane(channel, s), jobs_for(alerts, settled), settled, s.closing)
    assert settler.letters[0][0] == alerts[0].alert_id and reason in settler.letters[0][1]
    assert settler.sent == [alerts[1].alert_id]  # the lane moved on
    assert len(channel.messages) == messages + 1


async def test_a_burst_is_folded_into_few_messages(settler: MemorySettler) -> None:
    channel = Scripted(folds=True, interval=0.05)
    s = sender(settler)
    settled: list[int] = []
    alerts = [sample_alert(n) for n in range(30)]
    await run_until_settled(Lane(channel, s), jobs_for(alerts, settled), settled, s.closing)
    assert [x for m in channel.messages for x in m] == [a.alert_id for a in alerts]
    assert len(channel.messages) <= 3  # first alone, then folds of up to max_batch (100)


async def test_already_delivered_alerts_are_not_sent_again(settler: MemorySettler) -> None:
    channel = Scripted()
    settler.ledger.mark_sent([sample_alert(1)], "c")
    s = sender(settler)
    settled: list[int] = []
    alerts = [sample_alert(1), sample_alert(2), sample_alert(2)]
    await run_until_settled(Lane(channel, s), jobs_for(alerts, settled), settled, s.closing)
    assert channel.messages == [[sample_alert(2).alert_id]]
    assert sorted(settled) == [0, 1, 2]


async def test_closing_abandons_a_retry_without_settling(settler: MemorySettler) -> None:
    channel = Scripted(["HTTP 500"] * 10)
    s = sender(settler, RetryPolicy(max_attempts=10, initial=60, max=60, jitter=0))
    settled: list[int] = []
    lane = Lane(channel, s)
    task = asyncio.create_task(lane.run())
    lane.put(Job(sample_alert(1), lambda: settled.append(1)))
    while not channel.messages:
        await asyncio.sleep(0.001)
    s.closing.event.set()
    lane.wake()
    await asyncio.wait_for(task, 5)
    assert settled == [] and settler.sent == [] and settler.letters == []


async def test_digest_keeps_alerts_in_the_ledger_and_sends_them_together(settler: MemorySettler) -> None:
    channel = Scripted()
    s = sender(settler)
    now = [1000.0]
    lane = DigestLane(channel, 900.0, s, settler.ledger, clock=lambda: now[0])
    settled: list[int] = []
    for i, alert in enumerate([sample_alert(1), sample_alert(2), sample_alert(1)]):
        lane.put(Job(alert, lambda i=i: settled.append(i)))
    assert settled == [0, 1, 2]  # settled for Kafka as soon as they are in the ledger
    assert lane.due() == 1900.0
    assert await lane.flush()
    assert channel.messages == [[sample_alert(1).alert_id, sample_alert(2).alert_id]]
    assert settler.ledger.digest_pending("c") == []
    assert await lane.flush() and len(channel.messages) == 1  # nothing twice
