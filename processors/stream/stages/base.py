"""What every stage shares: the guard, the dead-letter path, and alerts before state.

A record that cannot be decoded or handled is logged with topic, partition
and offset, counted, and sent to the items dead-letter topic with headers
saying which stage refused it and why; the stream goes on. A stage that
emits alerts awaits the broker's acknowledgement of every alert a record
caused before it writes the state that says they were sent: a SIGKILL can
cut the changelog anywhere, and the alerts topic may live on another broker.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, ClassVar

from faust.types import EventT, TopicT

from processors.stream.batches import WriteBack
from processors.stream.metrics import ProcessorMetrics
from wirewatch.records import Alert, RecordError, utcnow

log = logging.getLogger(__name__)


class Progress:
    """Records handed to the stages so far; the watchdog reads it to tell busy from stalled."""

    def __init__(self) -> None:
        self.events = 0

    def tick(self) -> None:
        self.events += 1


class DeadLetters:
    """The items dead-letter topic, with the stage, reason and source place in headers."""

    def __init__(self, topic: TopicT, metrics: ProcessorMetrics):
        self.topic = topic
        self.metrics = metrics

    async def send(self, event: EventT, stage: str, reason: str) -> None:
        msg = event.message
        log.error(
            "dead-lettering %s record %s[%d]@%d: %s", stage, msg.topic, msg.partition, msg.offset, reason
        )
        self.metrics.poison.labels(stage).inc()
        if stage == "items":
            self.metrics.items.labels("poison").inc()
        headers = [
            ("wirewatch-stage", stage.encode()),
            ("wirewatch-error", reason[:500].encode("utf-8", "replace")),
            ("wirewatch-source", f"{msg.topic}[{msg.partition}]@{msg.offset}".encode()),
        ]
        await self.topic.send(key=msg.key, value=msg.value, headers=headers)


class AlertSink:
    """The alerts topic, as the story and surge stages write to it."""

    def __init__(self, topic: TopicT, metrics: ProcessorMetrics):
        self.topic = topic
        self.metrics = metrics

    async def emit(self, alert: Alert, fetched_at: datetime | None) -> Awaitable[Any]:
        """Send ``alert``; returns its delivery, to await before the state that says it was sent."""
        delivery = await self.topic.send(key=alert.story_key.encode("utf-8"), value=alert.to_bytes())
        self.metrics.alerts.labels(alert.kind, alert.rule, alert.severity).inc()
        if fetched_at is not None:
            self.metrics.latency.observe(max(0.0, (utcnow() - fetched_at).total_seconds()))
        return delivery

    @staticmethod
    async def write_after(deliveries: list[Awaitable[Any]], view: WriteBack) -> None:
        """Flush ``view`` once the broker holds every alert in ``deliveries``.

        A failed delivery raises here: no state is written, and the record is dead-lettered.
        """
        await asyncio.gather(*deliveries)
        view.flush()


class Stage(ABC):
    """One step of the stream: ``handle`` guards ``process`` so a bad record never stops it."""

    #: The stage's name in metrics and dead-letter headers.
    name: ClassVar[str]

    def __init__(self, dead_letters: DeadLetters, progress: Progress):
        self.dead_letters = dead_letters
        self.progress = progress

    async def handle(self, event: EventT) -> None:
        """Process one event; a record that fails is dead-lettered and the agent goes on."""
        self.progress.tick()
        try:
            await self.process(event)
        except (RecordError, ValueError) as exc:
            await self.dead_letters.send(event, self.name, str(exc))
        except Exception as exc:
            log.exception("%s handling failed", self.name)
            await self.dead_letters.send(event, self.name, f"{type(exc).__name__}: {exc}")

    @abstractmethod
    async def process(self, event: EventT) -> None:
        """Handle one event of the stage's input topic (raises for a bad record)."""
