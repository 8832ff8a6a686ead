"""``wirewatch dlq replay``: send dead-lettered alerts again.

Reads ``wirewatch.deliveries.dlq.v1`` from the beginning to its end at the
time of the call (no consumer group: the ledger, not an offset, says what
is done). For each dead letter, optionally only those of one channel:

- already ``sent`` in the ledger (an earlier replay): skipped;
- its channel disabled (secret env var unset) or gone from channels.yaml:
  reported, left dead;
- otherwise sent with the usual retries and pacing; on success the ledger
  row turns ``sent``, so a second replay does not send it again. A failure
  leaves the letter dead (it is already on the DLQ).

A letter written because no channel could take the alert (``channel`` empty)
is routed again with today's configuration. Undecodable records cannot be
replayed and are reported as such.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

from prometheus_client import CollectorRegistry

from alerts.channels.base import ChannelContext
from alerts.channels.registry import ChannelRegistry
from alerts.config import ChannelsConfig, build_channels
from alerts.dlq import DeadLetter
from alerts.lanes import Closing, Sender
from alerts.ledger import SENT, Ledger
from alerts.metrics import AlertsMetrics
from alerts.routing import Router
from alerts.throttle import RateLimiter
from wirewatch.errors import BrokerError, RecordError
from wirewatch.records import Alert
from wirewatch.settings import Settings
from wirewatch.topics import Topics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplayOutcome:
    """What replay did with one (alert, channel): ``sent``, ``failed`` or ``skipped``."""

    alert_id: str
    channel: str
    outcome: str
    reason: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class _ReplaySettler:
    """Success turns the ledger row ``sent``; a failure leaves the letter where it is (on the DLQ)."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.last_reason = ""

    def already(self, alert_id: str, channel: str) -> bool:
        return self.ledger.status(alert_id, channel) == SENT

    async def delivered(
        self, channel: str, alerts: Sequence[Alert], attempts: int, read_at: Sequence[float | None]
    ) -> None:
        self.ledger.mark_sent(alerts, channel, attempts)
        self.last_reason = ""

    async def dead(self, channel: str, alerts: Sequence[Alert], reason: str, attempts: int) -> None:
        self.last_reason = reason


def read_dead_letters(settings: Settings, timeout_s: float = 30.0) -> list[DeadLetter]:
    """Every dead letter on the DLQ topic now, oldest first (blocking: run it in a thread)."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    topic = Topics.from_settings(settings).deliveries_dlq
    letters: list[DeadLetter] = []
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap,
            enable_auto_commit=False,
            **settings.kafka_client_config(),
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic}: {exc}") from None
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return letters
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        deadline = time.monotonic() + timeout_s
        while [tp for tp in partitions if consumer.position(tp) < end[tp]]:
            if time.monotonic() > deadline:
                raise BrokerError(f"reading {topic} took more than {timeout_s:.0f} s")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    try:
                        letters.append(DeadLetter.from_bytes(record.value))
                    except RecordError as exc:
                        log.warning("DLQ offset %d is not a dead letter: %s", record.offset, exc)
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic}: {exc}") from None
    finally:
        consumer.close()
    return letters


async def replay(
    settings: Settings,
    config: ChannelsConfig,
    channel: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    registry: ChannelRegistry | None = None,
    report: Callable[[ReplayOutcome], None] = lambda _: None,
) -> list[ReplayOutcome]:
    """Re-send dead letters (of ``channel`` only, if given); returns one outcome per (alert, channel)."""
    if not settings.kafka_bootstrap:
        raise BrokerError("no broker configured: set WIREWATCH_KAFKA_BOOTSTRAP")
    letters = await asyncio.to_thread(read_dead_letters, settings)
    context = ChannelContext(os.environ if env is None else env, settings.data_dir)
    built = build_channels(config, context, registry)
    router = Router(config, built.enabled, built.disabled)
    ledger = Ledger.open(settings.data_dir)
    settler = _ReplaySettler(ledger)
    sender = Sender(
        config.retry, RateLimiter(), settler, AlertsMetrics.create(CollectorRegistry()), Closing()
    )
    outcomes: list[ReplayOutcome] = []

    def tell(outcome: ReplayOutcome) -> None:
        outcomes.append(outcome)
        report(outcome)

    try:
        for letter in letters:
            if letter.alert is None:
                if channel is None:
                    tell(ReplayOutcome("", "", "skipped", f"undecodable record: {letter.reason}"))
                continue
            alert = letter.alert
            names = [letter.channel] if letter.channel else list(router.route(alert).targets)
            if not names and channel is None:
                tell(ReplayOutcome(alert.alert_id, "", "skipped", "still no enabled channel can take it"))
            for name in names:
                if channel is not None and name != channel:
                    continue
                if settler.already(alert.alert_id, name):
                    tell(ReplayOutcome(alert.alert_id, name, "skipped", "already delivered"))
                    continue
                target = built.enabled.get(name)
                if target is None:
                    why = built.disabled.get(name, f"channel {name!r} is not in {config.source}")
                    tell(ReplayOutcome(alert.alert_id, name, "skipped", why))
                    continue
                await sender.deliver(target, [alert], [None])
                if settler.already(alert.alert_id, name):
                    tell(ReplayOutcome(alert.alert_id, name, "sent"))
                else:
                    tell(ReplayOutcome(alert.alert_id, name, "failed", settler.last_reason))
    finally:
        await built.aclose()
        ledger.close()
    return outcomes
