"""What the Wirewatch dashboard shows, as plain data: rows of panels and their PromQL.

Each row answers one of the questions an operator asks at a glance: is every
service up and every feed fresh; how many items per second come in by feed
and language; what the watchlist matches; how long from publication to the
channel; are deliveries failing; is any consumer lagging; is anything
dead-lettered. ``wirewatch.observability.dashboard`` turns these into
Grafana's JSON with the foundation SDK.

Queries may use Grafana's ``$__rate_interval`` and ``$__range`` and the
dashboard variable ``$channel`` (a regex, ``.*`` for All).
"""

from __future__ import annotations

from wirewatch.observability.console_panels import ACTIONS, CONSOLE
from wirewatch.observability.panel_types import RATE, PanelSpec, Query, RowSpec, Viz, _q, _quantiles

__all__ = ["ROWS", "PanelSpec", "Query", "RowSpec", "Viz"]

#: Consecutive failed polls after which a feed counts as stale (also in rules.yml).
STALE_AFTER_FAILED_POLLS = 3

RED_IF_ANY = ((None, "green"), (1, "red"))
CHANNEL = 'channel=~"$channel"'
FAILED = f'result!="ok", {CHANNEL}'
ATTEMPTS = "wirewatch_delivery_attempts_total"


GLANCE = RowSpec(
    "At a glance",
    (
        PanelSpec(
            "Services up",
            "stat",
            (_q('up{job=~"wirewatch-.*"}', "{{service}}", instant=True),),
            "Each service's /metrics answered Prometheus' last scrape.",
            width=4,
            height=4,
            steps=((None, "red"), (1, "green")),
            mappings={"0": "DOWN", "1": "UP"},
        ),
        PanelSpec(
            "Stale feeds",
            "stat",
            (
                _q(
                    f"count(wirewatch_feed_consecutive_failures >= {STALE_AFTER_FAILED_POLLS}) or vector(0)",
                    instant=True,
                ),
            ),
            f"Feeds whose last {STALE_AFTER_FAILED_POLLS} polls or more all failed.",
            width=4,
            height=4,
            steps=RED_IF_ANY,
        ),
        PanelSpec(
            "Items / s",
            "stat",
            (_q(f"sum(rate(wirewatch_ingest_items_total{RATE}))"),),
            "New items published to Kafka per second, all feeds.",
            unit="reqps",
            width=4,
            height=4,
        ),
        PanelSpec(
            "Alerts in range",
            "stat",
            (_q("sum(increase(wirewatch_alerts_emitted_total[$__range]))", instant=True),),
            "Alerts the processor emitted over the dashboard's time range.",
            width=4,
            height=4,
            steps=((None, "blue"),),
        ),
        PanelSpec(
            "Max consumer lag",
            "stat",
            (_q("max(wirewatch_consumer_lag)"),),
            "Largest per-partition lag of any consumer group, in records.",
            width=4,
            height=4,
            steps=((None, "green"), (100, "orange"), (1000, "red")),
        ),
        PanelSpec(
            "Dead letters",
            "stat",
            (
                _q("sum(wirewatch_delivery_dlq_size)", "deliveries DLQ", instant=True),
                _q(
                    'sum(increase(wirewatch_delivery_records_total{result!="ok"}[$__range]))'
                    " + sum(increase(wirewatch_processor_dead_letters_total[$__range]))",
                    "dead-lettered (range)",
                    instant=True,
                ),
            ),
            "Alerts waiting in the deliveries dead-letter topic (`wirewatch dlq replay`), and "
            "records dead-lettered over the range (undecodable or unroutable alerts, poison items).",
            width=4,
            height=4,
            steps=RED_IF_ANY,
        ),
    ),
)

FEEDS = RowSpec(
    "Feeds",
    (
        PanelSpec(
            "Feed freshness: time since last successful poll",
            "bargauge",
            (
                _q(
                    "time() - max by (feed) (wirewatch_feed_last_success_timestamp_seconds)",
                    "{{feed}}",
                    instant=True,
                ),
            ),
            "Seconds since each feed last answered (200 or 304); grows past its interval when it fails.",
            unit="s",
            steps=((None, "green"), (900, "orange"), (3600, "red")),
        ),
        PanelSpec(
            "Consecutive failed polls",
            "bargauge",
            (_q("max by (feed) (wirewatch_feed_consecutive_failures)", "{{feed}}", instant=True),),
            f"Failed polls since each feed's last success; {STALE_AFTER_FAILED_POLLS} or more pages.",
            steps=((None, "green"), (1, "orange"), (STALE_AFTER_FAILED_POLLS, "red")),
        ),
        PanelSpec(
            "Items / s by feed and language",
            "timeseries",
            (_q(f"sum by (feed, lang) (rate(wirewatch_ingest_items_total{RATE}))", "{{feed}} ({{lang}})"),),
            "New items published per second.",
            unit="reqps",
        ),
        PanelSpec(
            "Feed polls / s by outcome",
            "timeseries",
            (_q(f"sum by (outcome) (rate(wirewatch_feed_fetches_total{RATE}))", "{{outcome}}"),),
            "ok and not_modified are successes; anything else names the failure.",
            unit="reqps",
            width=12,
        ),
        PanelSpec(
            "Feed fetch duration",
            "timeseries",
            _quantiles("wirewatch_feed_fetch_duration_seconds"),
            "Time to fetch a feed (answer or failure), all feeds.",
            unit="s",
            width=12,
        ),
    ),
)

MATCHING = RowSpec(
    "Watchlist matches and alerts",
    (
        PanelSpec(
            "Top matched actors",
            "bargauge",
            (
                _q(
                    'topk(10, sum by (entity) (increase(wirewatch_processor_matches_total{kind="actor"}'
                    "[$__range])))",
                    "{{entity}}",
                    instant=True,
                ),
            ),
            "Items mentioning each watched actor over the range.",
            steps=((None, "blue"),),
        ),
        PanelSpec(
            "Top matched regions",
            "bargauge",
            (
                _q(
                    'topk(10, sum by (entity) (increase(wirewatch_processor_matches_total{kind="region"}'
                    "[$__range])))",
                    "{{entity}}",
                    instant=True,
                ),
            ),
            "Items mentioning each watched region over the range.",
            steps=((None, "blue"),),
        ),
        PanelSpec(
            "Alerts by severity and kind",
            "bargauge",
            (
                _q(
                    "sum by (severity, kind) (increase(wirewatch_alerts_emitted_total[$__range]))",
                    "{{severity}} · {{kind}}",
                    instant=True,
                ),
            ),
            "Alerts emitted over the range (escalation: one report; surge: many mentions at once).",
            steps=((None, "blue"),),
        ),
        PanelSpec(
            "Alerts / min by severity and kind",
            "timeseries",
            (
                _q(
                    f"60 * sum by (severity, kind) (rate(wirewatch_alerts_emitted_total{RATE}))",
                    "{{severity}} · {{kind}}",
                ),
            ),
            "When the alerts were emitted.",
            width=24,
        ),
    ),
)

DELIVERY = RowSpec(
    "Delivery",
    (
        PanelSpec(
            "Publication → delivered latency",
            "timeseries",
            _quantiles("wirewatch_alert_publication_to_delivered_seconds", CHANNEL),
            "From the newest cited item's publication time to the alert reaching the channel "
            "(pick Slack in the channel variable for publication → Slack).",
            unit="s",
        ),
        PanelSpec(
            "Delivery failure ratio",
            "timeseries",
            (
                _q(
                    f"sum by (channel) (rate({ATTEMPTS}{{{FAILED}}}{RATE}))"
                    f" / sum by (channel) (rate({ATTEMPTS}{{{CHANNEL}}}{RATE}))",
                    "{{channel}}",
                ),
            ),
            "Share of send attempts that failed (retry, rate_limited, permanent), per channel.",
            unit="percentunit",
        ),
        PanelSpec(
            "Failed send attempts / s",
            "timeseries",
            (
                _q(
                    f"sum by (channel, result) (rate({ATTEMPTS}{{{FAILED}}}{RATE}))",
                    "{{channel}} {{result}}",
                ),
            ),
            "Attempts that will be retried, were rate limited (429) or failed for good.",
            unit="reqps",
        ),
        PanelSpec(
            "Deliveries / s by outcome",
            "timeseries",
            (
                _q(
                    "sum by (channel, outcome) "
                    f"(rate(wirewatch_delivery_deliveries_total{{{CHANNEL}}}{RATE}))",
                    "{{channel}} {{outcome}}",
                ),
            ),
            "sent, digested, filtered, rerouted (channel disabled), duplicate or dead_lettered.",
            unit="reqps",
        ),
        PanelSpec(
            "Dead-letter topics",
            "timeseries",
            (
                _q(
                    f"sum by (channel) (wirewatch_delivery_dlq_size{{{CHANNEL}}})",
                    "deliveries DLQ: {{channel}}",
                ),
                _q(
                    f'sum by (result) (increase(wirewatch_delivery_records_total{{result!="ok"}}{RATE}))',
                    "deliveries DLQ: {{result}} records",
                ),
                _q(
                    f"sum by (stage) (increase(wirewatch_processor_dead_letters_total{RATE}))",
                    "items DLQ: {{stage}}",
                ),
            ),
            "Alerts waiting in the deliveries DLQ per channel; records dead-lettered (alerts no channel "
            "takes, poison items by processor stage).",
        ),
        PanelSpec(
            "Delivery queues",
            "timeseries",
            (
                _q(f"sum by (channel) (wirewatch_delivery_queue_depth{{{CHANNEL}}})", "queued: {{channel}}"),
                _q(
                    f"sum by (channel) (wirewatch_delivery_digest_pending{{{CHANNEL}}})",
                    "digest: {{channel}}",
                ),
            ),
            "Alerts waiting to be sent, and alerts kept for the next digest.",
        ),
    ),
)

STREAM = RowSpec(
    "Kafka and stream processing",
    (
        PanelSpec(
            "Consumer lag",
            "timeseries",
            (_q("sum by (group, topic) (wirewatch_consumer_lag)", "{{group}} on {{topic}}"),),
            "Records on the topic not yet committed by the group; growing lag pages.",
        ),
        PanelSpec(
            "Processor items / s by outcome",
            "timeseries",
            (_q(f"sum by (outcome) (rate(wirewatch_processor_items_total{RATE}))", "{{outcome}}"),),
            "processed, duplicate (already seen) or poison (dead-lettered).",
            unit="reqps",
        ),
        PanelSpec(
            "Fetch → alert emitted latency",
            "timeseries",
            _quantiles("wirewatch_processor_latency_seconds"),
            "From an item's fetch to the alert it caused being emitted by the processor.",
            unit="s",
        ),
    ),
)

ROWS: tuple[RowSpec, ...] = (GLANCE, FEEDS, MATCHING, DELIVERY, STREAM, CONSOLE, ACTIONS)
