"""Prometheus metrics of the ingest service, built on an injectable registry.

Labels are bounded: ``feed`` is an id from the feed list, ``outcome`` one of
``OUTCOMES`` (the metric catalogue's ``INGEST_OUTCOMES``), ``lang`` one of fr, en, unknown.
Created once per process with ``IngestMetrics.create(REGISTRY)`` (a fresh ``CollectorRegistry()`` in tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from wirewatch.observability.catalogue import INGEST_OUTCOMES as OUTCOMES

SUCCESS = frozenset({"ok", "not_modified"})


def outcome_label(kind: str) -> str:
    """``kind`` if it is a known outcome, else ``error`` (labels stay bounded)."""
    return kind if kind in OUTCOMES else "error"


@dataclass(frozen=True)
class IngestMetrics:
    """The ingest service's metrics; one instance per process (or per test)."""

    fetches: Counter
    fetch_seconds: Histogram
    items: Counter
    updates: Counter
    parse_errors: Counter
    bytes: Counter
    last_success: Gauge
    failures_in_row: Gauge
    seen_ids: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> IngestMetrics:
        """Register every ingest metric on ``registry``."""
        return cls(
            fetches=Counter(
                "wirewatch_feed_fetches_total",
                "Feed polls by feed and outcome (ok, not_modified, or the failure kind).",
                ["feed", "outcome"],
                registry=registry,
            ),
            fetch_seconds=Histogram(
                "wirewatch_feed_fetch_duration_seconds",
                "Time from asking for a feed to its answer or failure (redirects, body, slot waits in).",
                buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
                registry=registry,
            ),
            items=Counter(
                "wirewatch_ingest_items_total",
                "New items published (acknowledged by the broker), by feed and language.",
                ["feed", "lang"],
                registry=registry,
            ),
            updates=Counter(
                "wirewatch_ingest_item_updates_total",
                "Items re-published because their text changed in place.",
                ["feed"],
                registry=registry,
            ),
            parse_errors=Counter(
                "wirewatch_feed_parse_errors_total",
                "Malformed (bozo), disarmed or unusable feed documents.",
                ["feed"],
                registry=registry,
            ),
            bytes=Counter(
                "wirewatch_feed_bytes_total",
                "Decoded body bytes fetched, by feed.",
                ["feed"],
                registry=registry,
            ),
            last_success=Gauge(
                "wirewatch_feed_last_success_timestamp_seconds",
                "Unix time of the feed's last successful poll (ok or not_modified), for staleness alerts.",
                ["feed"],
                registry=registry,
            ),
            failures_in_row=Gauge(
                "wirewatch_feed_consecutive_failures",
                "Failed polls since the feed's last success (drives its backoff).",
                ["feed"],
                registry=registry,
            ),
            seen_ids=Gauge(
                "wirewatch_ingest_seen_ids",
                "Item ids in the persisted seen-set.",
                registry=registry,
            ),
        )

    def fetched(self, feed: str, outcome: str, now: float) -> None:
        """Count one poll of ``feed``; on success, stamp its last-success time."""
        outcome = outcome_label(outcome)
        self.fetches.labels(feed, outcome).inc()
        if outcome in SUCCESS:
            self.last_success.labels(feed).set(now)
