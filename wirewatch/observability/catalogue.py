"""The metric catalogue: every Prometheus metric Wirewatch exports, reviewed as one set.

This list is the single source for the README metrics table (``wirewatch
metrics``), for the dashboard generator (a panel may only name a catalogued
metric) and for the tests, which compare it with what each service's
``*Metrics.create(registry)`` registers and with what a real Prometheus
scrapes. Conventions: ``wirewatch_`` prefix, counters end in ``_total``,
durations in ``_seconds`` (base units), timestamps in ``_timestamp_seconds``,
and every label takes values from a bounded set (``LABEL_BOUNDS``, or the
fixed ``values`` of the metric).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

Kind = Literal["counter", "gauge", "histogram"]
Service = Literal["ingest", "process", "deliver", "console"]
#: The services in the order the README table lists them.
SERVICES: tuple[Service, ...] = ("ingest", "process", "deliver", "console")

#: The ``/metrics`` port setting of each service (``WIREWATCH_<SERVICE>_METRICS_PORT``).
PORT_SETTINGS: dict[Service, str] = {
    "ingest": "ingest_metrics_port",
    "process": "process_metrics_port",
    "deliver": "deliver_metrics_port",
    "console": "console_metrics_port",
}

#: Series Prometheus itself creates for every scrape target; panels and rules may name them.
PROMETHEUS_OWN = frozenset({"up"})

#: Every value the ingest ``outcome`` label takes: success, 304, and each kind of failure.
#: Kept here, and imported by ``ingest.metrics``, because the kernel imports no service.
INGEST_OUTCOMES = (
    "ok",
    "not_modified",
    "timeout",
    "connect",
    "transport",
    "http_4xx",
    "http_5xx",
    "http_error",
    "rate_limited",
    "too_large",
    "redirect",
    "bad_url",
    "blocked",
    "bad_body",
    "publish",
    "error",
)

#: What each label's values are drawn from (the bound that keeps series counts finite).
LABEL_BOUNDS: dict[str, str] = {
    "feed": "feed ids of feeds.yaml",
    "entity": "canonical names of the watchlist",
    "rule": "rule names of the watchlist, or default",
    "version": "the watchlist version in use",
    "worker": "processor workers running (host:pid)",
    "group": "consumer group of the service",
    "topic": "Wirewatch topics",
    "partition": "partitions of those topics",
    "channel": "channel names of channels.yaml",
    "alias": "aliases of the watchlist",
    "route": "route templates of the console app, or unmatched",
    "status": "HTTP status codes the console answers",
}


@dataclass(frozen=True)
class MetricSpec:
    """One exported metric as the services register it (``name`` as scraped, ``_total`` included)."""

    name: str
    kind: Kind
    labels: tuple[str, ...]
    help: str
    service: Service
    #: Labels whose values form a fixed set in code, with that set (the tests compare them).
    values: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    #: Other services exporting the same metric (consumer lag: every consumer group).
    also: tuple[Service, ...] = ()

    @property
    def services(self) -> frozenset[Service]:
        """Every service that exports this metric."""
        return frozenset((self.service, *self.also))

    def bound(self, label: str) -> str:
        """Where ``label``'s values come from, for the README table."""
        fixed = self.values.get(label)
        return ", ".join(fixed) if fixed else LABEL_BOUNDS[label]

    @property
    def family(self) -> str:
        """The name prometheus-client registers: counters drop their ``_total``."""
        return self.name.removesuffix("_total") if self.kind == "counter" else self.name

    def exported_also_by(self, *services: Service) -> MetricSpec:
        return replace(self, also=services)

    def sample_names(self) -> frozenset[str]:
        """Every sample name a scrape of this metric can show (``_bucket``, ``_created`` …)."""
        if self.kind == "counter":
            return frozenset({self.name, f"{self.family}_created"})
        if self.kind == "histogram":
            suffixes = ("_bucket", "_count", "_sum", "_created")
            return frozenset(f"{self.name}{s}" for s in suffixes)
        return frozenset({self.name})


def _m(
    name: str, kind: Kind, labels: str, help: str, service: Service, /, **values: tuple[str, ...]
) -> MetricSpec:
    return MetricSpec(name, kind, tuple(labels.split()), help, service, values)


CATALOGUE: tuple[MetricSpec, ...] = (
    # ingest/metrics.py
    _m(
        "wirewatch_feed_fetches_total",
        "counter",
        "feed outcome",
        "Feed polls by feed and outcome (ok, not_modified, or the failure kind).",
        "ingest",
        outcome=INGEST_OUTCOMES,
    ),
    _m(
        "wirewatch_feed_fetch_duration_seconds",
        "histogram",
        "",
        "Time from asking for a feed to its answer or failure (redirects, body, slot waits in).",
        "ingest",
    ),
    _m(
        "wirewatch_ingest_items_total",
        "counter",
        "feed lang",
        "New items published (acknowledged by the broker), by feed and language.",
        "ingest",
        lang=("fr", "en", "unknown"),
    ),
    _m(
        "wirewatch_ingest_item_updates_total",
        "counter",
        "feed",
        "Items re-published because their text changed in place.",
        "ingest",
    ),
    _m(
        "wirewatch_feed_parse_errors_total",
        "counter",
        "feed",
        "Malformed (bozo), disarmed or unusable feed documents.",
        "ingest",
    ),
    _m("wirewatch_feed_bytes_total", "counter", "feed", "Decoded body bytes fetched, by feed.", "ingest"),
    _m(
        "wirewatch_feed_last_success_timestamp_seconds",
        "gauge",
        "feed",
        "Unix time of the feed's last successful poll (ok or not_modified), for staleness alerts.",
        "ingest",
    ),
    _m(
        "wirewatch_feed_consecutive_failures",
        "gauge",
        "feed",
        "Failed polls since the feed's last success (drives its backoff).",
        "ingest",
    ),
    _m("wirewatch_ingest_seen_ids", "gauge", "", "Item ids in the persisted seen-set.", "ingest"),
    # processors/stream/metrics.py and wirewatch/lag.py
    _m(
        "wirewatch_processor_items_total",
        "counter",
        "outcome",
        "Items read by the processor, by outcome (processed, duplicate, poison).",
        "process",
        outcome=("processed", "duplicate", "poison"),
    ),
    _m(
        "wirewatch_processor_matches_total",
        "counter",
        "kind entity",
        "Items mentioning a watched entity (label values come from the watchlist only).",
        "process",
        kind=("actor", "region"),
    ),
    _m(
        "wirewatch_alerts_emitted_total",
        "counter",
        "kind rule severity",
        "Alerts emitted on the alerts topic, by kind, rule and severity.",
        "process",
        kind=("escalation", "surge"),
        severity=("low", "medium", "high", "critical"),
    ),
    _m(
        "wirewatch_processor_latency_seconds",
        "histogram",
        "",
        "From an item's fetch to the alert it caused being emitted.",
        "process",
    ),
    _m(
        "wirewatch_watchlist_info",
        "gauge",
        "version",
        "1 for the watchlist version this worker matches with.",
        "process",
    ),
    _m(
        "wirewatch_processor_watchlist_info",
        "gauge",
        "version worker",
        "1 for the watchlist version each processor worker (host:pid) matches with.",
        "process",
    ),
    _m(
        "wirewatch_watchlist_reloads_total",
        "counter",
        "outcome",
        "Watchlists read from the watchlist topic, by outcome (applied, rejected).",
        "process",
        outcome=("applied", "rejected"),
    ),
    _m(
        "wirewatch_processor_dead_letters_total",
        "counter",
        "stage",
        "Records sent to the items dead-letter topic, by stage.",
        "process",
        stage=("items", "stories", "surges"),
    ),
    _m(
        "wirewatch_consumer_lag",
        "gauge",
        "group topic partition",
        "Records on the topic not yet committed by the consumer group.",
        "process",
    ).exported_also_by("deliver"),
    # alerts/metrics.py
    _m(
        "wirewatch_delivery_deliveries_total",
        "counter",
        "channel outcome",
        "Alert deliveries per channel by outcome",
        "deliver",
        outcome=("sent", "dead_lettered", "duplicate", "filtered", "digested", "rerouted"),
    ),
    _m(
        "wirewatch_delivery_attempts_total",
        "counter",
        "channel result",
        "Send attempts per channel by result",
        "deliver",
        result=("ok", "retry", "rate_limited", "permanent"),
    ),
    _m("wirewatch_delivery_send_seconds", "histogram", "channel", "Duration of one send attempt", "deliver"),
    _m(
        "wirewatch_delivery_latency_seconds",
        "histogram",
        "channel",
        "Alert read from Kafka to delivered, retries and throttling included",
        "deliver",
    ),
    _m(
        "wirewatch_alert_publication_to_delivered_seconds",
        "histogram",
        "channel",
        "Newest cited item's publication time to delivered",
        "deliver",
    ),
    _m(
        "wirewatch_alert_fetch_to_delivered_seconds",
        "histogram",
        "channel",
        "Newest cited item's fetch time to delivered",
        "deliver",
    ),
    _m(
        "wirewatch_delivery_dlq_size",
        "gauge",
        "channel",
        "Dead letters not yet replayed, per channel",
        "deliver",
    ),
    _m(
        "wirewatch_delivery_queue_depth",
        "gauge",
        "channel",
        "Alerts waiting to be sent, per channel",
        "deliver",
    ),
    _m(
        "wirewatch_delivery_digest_pending",
        "gauge",
        "channel",
        "Alerts kept for the next digest, per channel",
        "deliver",
    ),
    _m(
        "wirewatch_delivery_channel_enabled",
        "gauge",
        "channel",
        "1 if the channel is configured and sending, 0 if disabled (missing secret)",
        "deliver",
    ),
    _m(
        "wirewatch_delivery_records_total",
        "counter",
        "result",
        "Alert records read from Kafka by result (ok | undecodable | unroutable)",
        "deliver",
        result=("ok", "undecodable", "unroutable"),
    ),
    _m(
        "wirewatch_delivery_in_flight_records",
        "gauge",
        "",
        "Alert records read but not yet settled on every channel",
        "deliver",
    ),
    _m(
        "wirewatch_deliver_held_total",
        "counter",
        "channel reason",
        "Alerts kept back per channel by reason (acknowledged | snoozed | silenced)",
        "deliver",
        reason=("acknowledged", "snoozed", "silenced"),
    ),
    _m(
        "wirewatch_deliver_released_total",
        "counter",
        "channel",
        "Held updates pushed with their summary when the hold ended, per channel",
        "deliver",
    ),
    _m(
        "wirewatch_silences_active",
        "gauge",
        "",
        "Silences in force now, as deliver reads the actions topic",
        "deliver",
    ),
    _m(
        "wirewatch_deliver_actions_total",
        "counter",
        "kind",
        "Action records deliver read from the actions topic, by kind",
        "deliver",
        kind=("acknowledge", "snooze", "silence", "not_relevant"),
    ),
    _m(
        "wirewatch_deliver_actions_undecodable_total",
        "counter",
        "",
        "Action records deliver could not decode (skipped)",
        "deliver",
    ),
    _m(
        "wirewatch_deliver_actions_lagging_total",
        "counter",
        "",
        "Batches routed before the actions topic was read to its end (it did not answer in time)",
        "deliver",
    ),
    _m(
        "wirewatch_deliver_receipts_failed_total",
        "counter",
        "",
        "Receipts deliver could not publish after its retries (dropped; the ledger keeps them)",
        "deliver",
    ),
    # console/metrics.py
    _m(
        "wirewatch_console_records_total",
        "counter",
        "topic result",
        "Alerts-topic records the console projected, by topic and result (ok, malformed).",
        "console",
        result=("ok", "malformed"),
    ),
    _m(
        "wirewatch_console_last_record_timestamp_seconds",
        "gauge",
        "",
        "Unix time the console last projected a record of the alerts topic.",
        "console",
    ),
    _m(
        "wirewatch_console_projection_live",
        "gauge",
        "",
        "1 once the projection has caught up with the alerts topic and follows it live, else 0.",
        "console",
    ),
    _m(
        "wirewatch_console_projection_lag",
        "gauge",
        "",
        "Records on the alerts topic not yet in this console's store (all partitions).",
        "console",
    ),
    _m(
        "wirewatch_console_http_requests_total",
        "counter",
        "route status",
        "HTTP requests the console answered, by route template and status code.",
        "console",
    ),
    _m(
        "wirewatch_console_http_request_duration_seconds",
        "histogram",
        "route",
        "Time to answer one HTTP request (live feed streams: until the stream ends), by route.",
        "console",
    ),
    _m(
        "wirewatch_console_logins_total",
        "counter",
        "result",
        "Password logins by result (ok, bad, locked).",
        "console",
        result=("ok", "bad", "locked"),
    ),
    _m("wirewatch_console_sse_clients", "gauge", "", "Browsers connected to the live feed now.", "console"),
    _m(
        "wirewatch_console_api_auths_total",
        "counter",
        "result",
        "JSON API requests by token check result (ok, refused).",
        "console",
        result=("ok", "refused"),
    ),
    _m(
        "wirewatch_console_trusted_header_total",
        "counter",
        "result",
        "Requests carrying the trusted user header, by result (ok, ignored, refused).",
        "console",
        result=("ok", "ignored", "refused"),
    ),
    # console/action_metrics.py (default registry; counted by each replica)
    _m(
        "wirewatch_console_actions_total",
        "counter",
        "kind source",
        "Actions the console produced (acknowledged by the broker), by kind and source.",
        "console",
        kind=("acknowledge", "snooze", "silence", "not_relevant"),
        source=("console", "slack", "email", "api", "cli"),
    ),
    _m(
        "wirewatch_console_slack_refused_total",
        "counter",
        "reason",
        "Requests to /slack/actions refused (401; 413 when too large), by reason.",
        "console",
        reason=("missing", "stale", "bad_signature", "no_secret", "too_large"),
    ),
    _m(
        "wirewatch_console_actions_dead_lettered_total",
        "counter",
        "reason",
        "Action records the console skipped: unknown story or alert (dead-lettered), undecodable.",
        "console",
        reason=("unknown_target", "undecodable"),
    ),
    _m(
        "wirewatch_feedback_total",
        "counter",
        "rule entity alias",
        "Not-relevant marks projected by this console replica, per rule, entity and alias matched.",
        "console",
    ),
)

BY_NAME: dict[str, MetricSpec] = {m.name: m for m in CATALOGUE}
_BY_SAMPLE: dict[str, MetricSpec] = {s: m for m in CATALOGUE for s in m.sample_names()}

# A metric name in PromQL: not preceded by a name character or `$` (Grafana variables),
# and not followed by `(` (that would be a function call).
_NAME = re.compile(r"(?<![\w$:])([a-zA-Z_:][\w:]*)(?!\s*\()")
_WORDS = re.compile(
    r'"(?:[^"\\]|\\.)*"|\{[^}]*\}|\[[^\]]*\]|(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)'
)


def spec_of(sample: str) -> MetricSpec | None:
    """The catalogued metric a sample name belongs to (``x_bucket`` → ``x``), or None."""
    return _BY_SAMPLE.get(sample)


def metric_names(expr: str) -> set[str]:
    """Sample names a PromQL expression selects (``wirewatch_*`` and Prometheus' own ``up``).

    Called by the dashboard generator and the tests to check that every panel
    and rule names metrics somebody exports. String literals, label matchers,
    ranges and grouping clauses are blanked first so label names are not read
    as metric names.
    """
    bare = _WORDS.sub(" ", expr)
    return {n for n in _NAME.findall(bare) if n.startswith("wirewatch_") or n in PROMETHEUS_OWN}


def markdown_table() -> str:
    """The README metrics table: one row per metric, labels with the values they take."""
    rows = [
        "| metric | type | labels (values) | service | meaning |",
        "|---|---|---|---|---|",
    ]
    for m in CATALOGUE:
        labels = "; ".join(f"`{label}` ({m.bound(label)})" for label in m.labels) or "none"
        meaning = m.help.rstrip(".").replace("|", "\\|")
        where = ", ".join(sorted(m.services, key=SERVICES.index))
        rows.append(f"| `{m.name}` | {m.kind} | {labels} | {where} | {meaning} |")
    return "\n".join(rows) + "\n"
