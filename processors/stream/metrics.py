"""Prometheus metrics of the stream processor (``wirewatch process``)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
#: The fixed label values, created at 0 so dashboards and alerts see them before they first happen.
ITEM_OUTCOMES = ("processed", "duplicate", "poison")
RELOAD_OUTCOMES = ("applied", "rejected")
DEAD_LETTER_STAGES = ("items", "stories", "surges")


@dataclass(frozen=True)
class ProcessorMetrics:
    """Every metric the processor exports; build with ``create(registry)``."""

    items: Counter
    matches: Counter
    alerts: Counter
    latency: Histogram
    watchlist_info: Gauge
    watchlist_reloads: Counter
    poison: Counter
    worker_watchlist: Gauge

    def __post_init__(self) -> None:
        # "Any dead letters?" must read 0, not "no data", until the first one.
        for outcome in ITEM_OUTCOMES:
            self.items.labels(outcome)
        for outcome in RELOAD_OUTCOMES:
            self.watchlist_reloads.labels(outcome)
        for stage in DEAD_LETTER_STAGES:
            self.poison.labels(stage)

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ProcessorMetrics:
        return cls(
            items=Counter(
                "wirewatch_processor_items_total",
                "Items read by the processor, by outcome (processed, duplicate, poison).",
                ["outcome"],
                registry=registry,
            ),
            matches=Counter(
                "wirewatch_processor_matches_total",
                "Items mentioning a watched entity (label values come from the watchlist only).",
                ["kind", "entity"],
                registry=registry,
            ),
            alerts=Counter(
                "wirewatch_alerts_emitted_total",
                "Alerts emitted on the alerts topic, by kind, rule and severity.",
                ["kind", "rule", "severity"],
                registry=registry,
            ),
            latency=Histogram(
                "wirewatch_processor_latency_seconds",
                "From an item's fetch to the alert it caused being emitted.",
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            watchlist_info=Gauge(
                "wirewatch_watchlist_info",
                "1 for the watchlist version this worker matches with.",
                ["version"],
                registry=registry,
            ),
            watchlist_reloads=Counter(
                "wirewatch_watchlist_reloads_total",
                "Watchlists read from the watchlist topic, by outcome (applied, rejected).",
                ["outcome"],
                registry=registry,
            ),
            poison=Counter(
                "wirewatch_processor_dead_letters_total",
                "Records sent to the items dead-letter topic, by stage.",
                ["stage"],
                registry=registry,
            ),
            worker_watchlist=Gauge(
                "wirewatch_processor_watchlist_info",
                "1 for the watchlist version each processor worker (host:pid) matches with.",
                ["version", "worker"],
                registry=registry,
            ),
        )
