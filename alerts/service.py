"""The delivery loop: ``wirewatch.alerts.v1`` → channels, exactly once per (alert, channel).

How a record travels:

1. read with aiokafka (``enable_auto_commit=False``), decoded as ``Alert``
   (an undecodable record is dead-lettered and skipped);
2. routed (``alerts.routing``) to its channels, then passed through the
   ``HoldGate`` (``alerts.gate``), which applies the analysts' actions read by
   the ``ActionFollower`` (``alerts.actions``; synced to the actions topic's
   end before each batch): held or muted alerts are recorded in the ledger and
   stop there; the others get a ``Job`` on their lane (immediate) or in their
   digest queue (ledger);
3. each lane sends in order with retries, then records the outcome: ledger
   ``sent``, or DLQ + ledger ``dead``;
4. once every delivery of a record is settled, its offset may be committed
   (``alerts.offsets``); commits happen after each poll;
5. every decision is published as a ``Receipt`` (``alerts.receipts``), and
   about every second the gate releases the stories whose snooze has ended.

A crash at any point re-reads the uncommitted records; the ledger skips
what was already sent. Reading pauses while too many records are in flight
(a long outage), so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from alerts.actions import START_TIMEOUT_S, ActionFollower
from alerts.channels.base import ChannelContext
from alerts.channels.registry import ChannelRegistry
from alerts.config import BuiltChannels, ChannelsConfig, build_channels, load_channels
from alerts.digest import DigestLane
from alerts.dlq import DeadLetter, DeadLetterSink, letters_for, undecodable
from alerts.gate import HoldGate
from alerts.holds import HOLD_REASONS, ActionState
from alerts.lanes import Closing, Job, Lane, Sender
from alerts.ledger import DEAD, SENT, Ledger
from alerts.metrics import AlertsMetrics
from alerts.offsets import OffsetTracker
from alerts.receipts import ReceiptSink
from alerts.render.links import ActionLinks
from alerts.routing import Router
from alerts.throttle import RateLimiter
from wirewatch.errors import BrokerError, RecordError
from wirewatch.records import Alert
from wirewatch.settings import Settings
from wirewatch.topics import Topics

log = logging.getLogger(__name__)

#: records read but not settled before reading pauses
MAX_IN_FLIGHT = 5000
#: seconds lanes get to finish the send in progress when the service stops
STOP_GRACE_S = 15.0
POLL_MS = 200
#: seconds between two looks for snoozes that have ended
RELEASE_EVERY_S = 1.0

StopFlag = asyncio.Event | threading.Event


class LedgerSettler:
    """Records outcomes: ledger first for success; DLQ then ledger for failures; metrics."""

    def __init__(
        self,
        ledger: Ledger,
        sink: DeadLetterSink,
        metrics: AlertsMetrics,
        receipts: ReceiptSink | None = None,
        releases: set[tuple[str, str]] | None = None,
    ):
        self.ledger = ledger
        self.sink = sink
        self.metrics = metrics
        self.receipts = receipts
        #: (alert id, channel) pushed as the release of a hold (their receipt says ``released``)
        self.releases = releases if releases is not None else set()

    def already(self, alert_id: str, channel: str) -> bool:
        return self.ledger.status(alert_id, channel) in (SENT, DEAD)

    async def delivered(
        self, channel: str, alerts: Sequence[Alert], attempts: int, read_at: Sequence[float | None]
    ) -> None:
        self.ledger.mark_sent(alerts, channel, attempts)
        for alert, when in zip(alerts, read_at, strict=True):
            self.metrics.delivered(channel, alert, when)
            if self.receipts is not None:
                released = (alert.alert_id, channel) in self.releases
                self.releases.discard((alert.alert_id, channel))
                self.receipts.publish(alert, channel, "released" if released else "sent", alert.held_by or "")
            log.info(
                "delivered %s (story %s rev %d) to %s",
                alert.alert_id,
                alert.story_key,
                alert.revision,
                channel,
            )

    async def dead(self, channel: str, alerts: Sequence[Alert], reason: str, attempts: int) -> None:
        await self.sink.publish(letters_for(alerts, channel, reason, attempts))
        self.ledger.mark_dead(alerts, channel, reason, attempts)
        for alert in alerts:
            if self.receipts is not None:
                self.receipts.publish(alert, channel, "dead", reason)
        self.metrics.deliveries.labels(channel, "dead_lettered").inc(len(alerts))
        self.metrics.dlq_size.labels(channel).inc(len(alerts))
        log.error("dead-lettered %d alert(s) for %s: %s", len(alerts), channel, reason)


def _describe_channels(config: ChannelsConfig, built: BuiltChannels) -> str:
    parts = []
    for options in config.channels:
        tags = [options.type]
        if options.name in config.default:
            tags.append("default")
        if options.digest:
            tags.append(f"digest {options.digest:g}s")
        if options.name in built.disabled:
            tags.append("DISABLED")
        parts.append(f"{options.name} ({', '.join(tags)})")
    return ", ".join(parts)


class DeliveryService:
    """Owns the lanes, the router and the offset bookkeeping of one consumer."""

    def __init__(
        self,
        config: ChannelsConfig,
        built: BuiltChannels,
        ledger: Ledger,
        sink: DeadLetterSink,
        metrics: AlertsMetrics,
        state: ActionState | None = None,
        receipts: ReceiptSink | None = None,
    ):
        self.config = config
        self.built = built
        self.ledger = ledger
        self.sink = sink
        self.metrics = metrics
        self.closing = Closing()
        self.tracker: OffsetTracker[Any] = OffsetTracker()
        self.router = Router(config, built.enabled, built.disabled)
        self.gate = HoldGate(config, ledger, state or ActionState(), metrics, receipts)
        self.settler = LedgerSettler(ledger, sink, metrics, receipts, self.gate.release_ids)
        self._next_release = 0.0
        sender = Sender(config.retry, RateLimiter(), self.settler, metrics, self.closing)
        self.lanes: dict[str, Lane | DigestLane] = {}
        for name, channel in built.enabled.items():
            every = channel.options.digest
            self.lanes[name] = DigestLane(channel, every, sender, ledger) if every else Lane(channel, sender)
        for options in config.channels:
            metrics.channel_enabled.labels(options.name).set(1 if options.name in built.enabled else 0)
            metrics.dlq_size.labels(options.name).set(0)
            # exported at 0 from the start, so a rate over them is 0 rather than no data
            for reason in HOLD_REASONS:
                metrics.held.labels(options.name, reason)
            metrics.released.labels(options.name)
        for name, n in ledger.dead_counts().items():
            metrics.dlq_size.labels(name).set(n)

    async def _publish(self, letters: Sequence[DeadLetter]) -> None:
        while True:
            try:
                await self.sink.publish(letters)
                return
            except Exception as exc:
                log.error("cannot publish to %s: %s; retrying", self.sink.topic, exc)
                if not await self.closing.sleep(2.0):
                    raise

    async def _skip(self, partition: Any, offset: int, letter: DeadLetter, result: str) -> None:
        """Dead-letter a record no channel will take, and let its offset be committed."""
        await self._publish([letter])
        self.metrics.records.labels(result).inc()
        self.tracker.add(partition, offset, 0)

    async def handle(self, partition: Any, offset: int, value: bytes | None, topic: str = "") -> None:
        """Route one record to its lanes; the record's offset is settled when they are done."""
        p = getattr(partition, "partition", None)
        try:
            alert = Alert.from_bytes(value)
        except RecordError as exc:
            log.error("%s[%s]@%d is not an alert: %s; dead-lettered", topic, p, offset, exc)
            await self._skip(partition, offset, undecodable(value, str(exc), topic, p, offset), "undecodable")
            return
        route = self.router.route(alert)
        for name in route.filtered:
            self.metrics.deliveries.labels(name, "filtered").inc()
        for name in route.rerouted:
            self.metrics.deliveries.labels(name, "rerouted").inc()
        if route.unroutable:
            log.error("alert %s cannot be delivered: %s; dead-lettered", alert.alert_id, route.unroutable)
            letter = DeadLetter(alert=alert, reason=route.unroutable, topic=topic, partition=p, offset=offset)
            await self._skip(partition, offset, letter, "unroutable")
            return
        self.metrics.records.labels("ok").inc()
        admitted = [(name, self.gate.admit(alert, name)) for name in route.targets]
        jobs = [(name, a) for name, a in admitted if a is not None]
        self.tracker.add(partition, offset, len(jobs))
        now = time.monotonic()
        for name, admitted_alert in jobs:
            settle = partial(
                self._settled, name, admitted_alert, partial(self.tracker.settle, partition, offset)
            )
            self.lanes[name].put(Job(admitted_alert, settle, now))
        self.metrics.in_flight.set(self.tracker.in_flight())

    def _settled(self, channel: str, alert: Alert, then: Any = None) -> None:
        self.gate.settled(channel, alert)
        if then is not None:
            then()

    def release_due(self) -> None:
        """Queue the release of every story whose hold ended (at most once per ``RELEASE_EVERY_S``)."""
        now = time.monotonic()
        if now < self._next_release:
            return
        self._next_release = now + RELEASE_EVERY_S
        for name, alert in self.gate.releases(set(self.lanes)):
            self.lanes[name].put(Job(alert, partial(self._settled, name, alert), None))

    def start_lanes(self) -> list[asyncio.Task[None]]:
        """One task per channel."""
        return [asyncio.create_task(lane.run(), name=f"lane-{name}") for name, lane in self.lanes.items()]

    async def stop_lanes(self, tasks: list[asyncio.Task[None]]) -> None:
        """Let sends in progress finish (up to ``STOP_GRACE_S``), then cancel what is left."""
        self.closing.event.set()
        for lane in self.lanes.values():
            lane.wake()
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=STOP_GRACE_S)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _consume(
    service: DeliveryService,
    consumer: Any,
    stop: StopFlag,
    topic: str,
    follower: ActionFollower | None = None,
) -> None:
    paused = False
    while not stop.is_set():
        busy = service.tracker.in_flight() >= MAX_IN_FLIGHT
        if busy != paused:
            parts = list(consumer.assignment())
            (consumer.pause if busy else consumer.resume)(*parts)
            paused = busy
            log.warning("reading %s: %s in-flight records", "paused" if busy else "resumed", MAX_IN_FLIGHT)
        batches = await consumer.getmany(timeout_ms=POLL_MS, max_records=500)
        if batches and follower is not None:
            await follower.sync()  # every action produced before this batch was read applies to it
        for tp, records in batches.items():
            for record in records:
                await service.handle(tp, record.offset, record.value, topic)
        await _commit(service, consumer)
        service.release_due()
        service.metrics.in_flight.set(service.tracker.in_flight())


async def _commit(service: DeliveryService, consumer: Any) -> None:
    positions = service.tracker.to_commit()
    if not positions:
        return
    assigned = consumer.assignment()
    positions = {tp: pos for tp, pos in positions.items() if tp in assigned}
    try:
        await consumer.commit(positions)
    except Exception as exc:  # a rebalance in progress: the next owner re-reads, the ledger dedups
        log.warning("offset commit failed (%s); will retry", exc)
        return
    service.tracker.committed(positions)


def _rebalance_listener(service: DeliveryService, consumer: Any) -> Any:
    from aiokafka import ConsumerRebalanceListener

    class Listener(ConsumerRebalanceListener):
        async def on_partitions_revoked(self, revoked: Any) -> None:
            await _commit(service, consumer)
            for tp in revoked:
                service.tracker.forget(tp)

        async def on_partitions_assigned(self, assigned: Any) -> None:
            log.info("reading partitions %s", sorted(tp.partition for tp in assigned))

    return Listener()


async def run_deliver(
    settings: Settings,
    channels: ChannelsConfig | Path | str,
    stop: StopFlag,
    *,
    env: Mapping[str, str] | None = None,
    registry: ChannelRegistry | None = None,
    metrics: AlertsMetrics | None = None,
) -> None:
    """Deliver alerts until ``stop`` is set, then stop cleanly (in-flight work is re-read next time).

    ``channels`` is a loaded config or the path of a channels.yaml; ``env``
    supplies the channels' secrets (default: the process environment);
    ``metrics`` defaults to the global Prometheus registry. Raises
    ``ConfigError`` for a bad channels file and ``BrokerError`` when no broker
    is configured or reachable.
    """
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.errors import KafkaError

    if not settings.kafka_bootstrap:
        raise BrokerError("no broker configured: set WIREWATCH_KAFKA_BOOTSTRAP (or run `wirewatch up`)")
    if not isinstance(channels, ChannelsConfig):
        channels = load_channels(channels, registry)
    # These loggers print request URLs at INFO, and a Slack webhook URL is a secret.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).level))
    topics = Topics.from_settings(settings)
    metrics = metrics or AlertsMetrics.create()
    context = ChannelContext(
        os.environ if env is None else env, settings.data_dir, ActionLinks.from_settings(settings)
    )
    built = build_channels(channels, context, registry)
    ledger = Ledger.open(settings.data_dir)
    kafka = {"bootstrap_servers": settings.kafka_bootstrap, **settings.kafka_client_config()}
    producer = AIOKafkaProducer(acks="all", enable_idempotence=True, **kafka)
    consumer = AIOKafkaConsumer(
        group_id=topics.deliver_group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=600_000,
        **kafka,
    )
    follower = ActionFollower(
        settings.kafka_bootstrap, topics.actions, metrics, settings.kafka_client_config()
    )
    receipts = ReceiptSink(producer, topics.receipts, metrics)
    service = DeliveryService(
        channels,
        built,
        ledger,
        DeadLetterSink(producer, topics.deliveries_dlq),
        metrics,
        follower.state,
        receipts,
    )
    log.info("channels: %s", _describe_channels(channels, built))
    tasks: list[asyncio.Task[None]] = []
    try:
        try:
            await producer.start()
            await follower.start()
            consumer.subscribe([topics.alerts], listener=_rebalance_listener(service, consumer))
            await consumer.start()
        except KafkaError as exc:
            raise BrokerError(f"Kafka at {settings.kafka_bootstrap} does not answer: {exc}") from None
        # Every action already on the topic applies to the first alert read.
        await follower.sync(START_TIMEOUT_S)
        receipts.start()
        tasks = service.start_lanes()
        log.info("delivering %s with group %s", topics.alerts, topics.deliver_group)
        await _consume(service, consumer, stop, topics.alerts, follower)
    finally:
        await service.stop_lanes(tasks)
        await receipts.stop()
        await follower.stop()
        try:
            await _commit(service, consumer)
        finally:
            await consumer.stop()
            await producer.stop()
            await built.aclose()
            ledger.close()
            log.info("delivery stopped")
