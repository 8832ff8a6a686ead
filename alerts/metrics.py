"""Prometheus metrics of the delivery service (``wirewatch_delivery_*``, ``wirewatch_alert_*``).

Built with an injected registry: ``AlertsMetrics.create(CollectorRegistry())``
in tests, the global registry in ``wirewatch deliver``. Labels are bounded:
channel names come from channels.yaml, outcomes and results from the fixed
sets below.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from alerts.channels.base import Delivery
from wirewatch.actions import ACTION_KINDS
from wirewatch.records import Alert, utcnow

#: deliveries_total{outcome}: sent | dead_lettered | duplicate | filtered | digested | rerouted
OUTCOMES = ("sent", "dead_lettered", "duplicate", "filtered", "digested", "rerouted")
#: attempts_total{result}: ok | retry | rate_limited | permanent
RESULTS = ("ok", "retry", "rate_limited", "permanent")
#: records_total{result}: ok | undecodable | unroutable (the last two go to the dead-letter topic)
RECORD_RESULTS = ("ok", "undecodable", "unroutable")

_SEND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)
_PUBLISHED_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 3 * 3600, 12 * 3600, 48 * 3600)


@dataclass(frozen=True)
class AlertsMetrics:
    """Every metric of ``wirewatch deliver``."""

    deliveries: Counter
    attempts: Counter
    send_seconds: Histogram
    latency: Histogram
    published_to_delivered: Histogram
    fetched_to_delivered: Histogram
    dlq_size: Gauge
    queue_depth: Gauge
    digest_pending: Gauge
    channel_enabled: Gauge
    records: Counter
    in_flight: Gauge
    held: Counter
    released: Counter
    silences_active: Gauge
    actions: Counter
    actions_undecodable: Counter
    actions_lagging: Counter
    receipts_failed: Counter

    def __post_init__(self) -> None:
        # Dead-lettered records must read 0, not "no data", until the first one.
        for result in RECORD_RESULTS:
            self.records.labels(result)
        for kind in ACTION_KINDS:
            self.actions.labels(kind)

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> AlertsMetrics:
        """Register the metrics in ``registry`` (once per registry)."""
        r = registry
        return cls(
            deliveries=Counter(
                "wirewatch_delivery_deliveries_total",
                "Alert deliveries per channel by outcome",
                ["channel", "outcome"],
                registry=r,
            ),
            attempts=Counter(
                "wirewatch_delivery_attempts_total",
                "Send attempts per channel by result",
                ["channel", "result"],
                registry=r,
            ),
            send_seconds=Histogram(
                "wirewatch_delivery_send_seconds",
                "Duration of one send attempt",
                ["channel"],
                buckets=_SEND_BUCKETS,
                registry=r,
            ),
            latency=Histogram(
                "wirewatch_delivery_latency_seconds",
                "Alert read from Kafka to delivered, retries and throttling included",
                ["channel"],
                buckets=_LATENCY_BUCKETS,
                registry=r,
            ),
            published_to_delivered=Histogram(
                "wirewatch_alert_publication_to_delivered_seconds",
                "Newest cited item's publication time to delivered",
                ["channel"],
                buckets=_PUBLISHED_BUCKETS,
                registry=r,
            ),
            fetched_to_delivered=Histogram(
                "wirewatch_alert_fetch_to_delivered_seconds",
                "Newest cited item's fetch time to delivered",
                ["channel"],
                buckets=_LATENCY_BUCKETS,
                registry=r,
            ),
            dlq_size=Gauge(
                "wirewatch_delivery_dlq_size",
                "Dead letters not yet replayed, per channel",
                ["channel"],
                registry=r,
            ),
            queue_depth=Gauge(
                "wirewatch_delivery_queue_depth",
                "Alerts waiting to be sent, per channel",
                ["channel"],
                registry=r,
            ),
            digest_pending=Gauge(
                "wirewatch_delivery_digest_pending",
                "Alerts kept for the next digest, per channel",
                ["channel"],
                registry=r,
            ),
            channel_enabled=Gauge(
                "wirewatch_delivery_channel_enabled",
                "1 if the channel is configured and sending, 0 if disabled (missing secret)",
                ["channel"],
                registry=r,
            ),
            records=Counter(
                "wirewatch_delivery_records_total",
                "Alert records read from Kafka by result (ok | undecodable | unroutable)",
                ["result"],
                registry=r,
            ),
            in_flight=Gauge(
                "wirewatch_delivery_in_flight_records",
                "Alert records read but not yet settled on every channel",
                registry=r,
            ),
            held=Counter(
                "wirewatch_deliver_held_total",
                "Alerts kept back per channel by reason (acknowledged | snoozed | silenced)",
                ["channel", "reason"],
                registry=r,
            ),
            released=Counter(
                "wirewatch_deliver_released_total",
                "Held updates pushed with their summary when the hold ended, per channel",
                ["channel"],
                registry=r,
            ),
            silences_active=Gauge(
                "wirewatch_silences_active",
                "Silences in force now, as deliver reads the actions topic",
                registry=r,
            ),
            actions=Counter(
                "wirewatch_deliver_actions_total",
                "Action records deliver read from the actions topic, by kind",
                ["kind"],
                registry=r,
            ),
            actions_undecodable=Counter(
                "wirewatch_deliver_actions_undecodable_total",
                "Action records deliver could not decode (skipped)",
                registry=r,
            ),
            actions_lagging=Counter(
                "wirewatch_deliver_actions_lagging_total",
                "Batches routed before the actions topic was read to its end (it did not answer in time)",
                registry=r,
            ),
            receipts_failed=Counter(
                "wirewatch_deliver_receipts_failed_total",
                "Receipts deliver could not publish after its retries (dropped; the ledger keeps them)",
                registry=r,
            ),
        )

    def attempt(self, delivery: Delivery, seconds: float) -> None:
        """Count one send attempt and its duration."""
        if delivery.ok:
            result = "ok"
        elif delivery.permanent:
            result = "permanent"
        elif delivery.retry_after is not None:
            result = "rate_limited"
        else:
            result = "retry"
        # Every result exists from a channel's first attempt, so failure ratios read 0, not "no data".
        for known in RESULTS:
            self.attempts.labels(delivery.channel, known)
        self.attempts.labels(delivery.channel, result).inc()
        self.send_seconds.labels(delivery.channel).observe(seconds)

    def delivered(self, channel: str, alert: Alert, read_at: float | None) -> None:
        """An alert reached ``channel``: count it and observe the end-to-end latencies.

        ``read_at`` is the ``time.monotonic()`` when the record was read (None for replays).
        """
        self.deliveries.labels(channel, "sent").inc()
        if read_at is not None:
            self.latency.labels(channel).observe(max(0.0, time.monotonic() - read_at))
        if not alert.items:
            return
        # The newest cited item is the one that made this revision of the story.
        newest = max(alert.items, key=lambda i: i.published_at)
        now = utcnow()
        self.published_to_delivered.labels(channel).observe(
            max(0.0, (now - newest.published_at).total_seconds())
        )
        fetched = [i.fetched_at for i in alert.items if i.fetched_at is not None]
        if fetched:
            self.fetched_to_delivered.labels(channel).observe(max(0.0, (now - max(fetched)).total_seconds()))
