"""The metric catalogue is what the services really register, and follows the naming rules."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from alerts import metrics as alerts_metrics
from alerts.channels.base import Delivery
from console import action_metrics
from console import metrics as console_metrics
from ingest import metrics as ingest_metrics
from processors.stream import metrics as processor_metrics
from wirewatch.lag import lag_gauge
from wirewatch.observability.catalogue import (
    BY_NAME,
    CATALOGUE,
    INGEST_OUTCOMES,
    LABEL_BOUNDS,
    MetricSpec,
    markdown_table,
    metric_names,
    spec_of,
)


def _collectors(service: str, registry: CollectorRegistry) -> list[Any]:
    """Every metric object a service registers, built on a fresh registry."""
    if service == "ingest":
        built: Any = ingest_metrics.IngestMetrics.create(registry)
        extra = []
    elif service == "process":
        built = processor_metrics.ProcessorMetrics.create(registry)
        extra = [lag_gauge(registry)]  # the processor runs the lag reporter
    elif service == "console":
        built = console_metrics.ConsoleMetrics.create(registry)
        extra = list(action_metrics.COLLECTORS)  # the actions' counters, on the default registry
    else:
        built = alerts_metrics.AlertsMetrics.create(registry)
        extra = []
    return [getattr(built, f.name) for f in dataclasses.fields(built)] + extra


def _registered(service: str) -> set[tuple[str, str, tuple[str, ...], str]]:
    found = set()
    for collector in _collectors(service, CollectorRegistry()):
        (family,) = collector.describe()
        # Label names are not in the public describe(); prometheus-client keeps them here.
        labels = tuple(collector._labelnames)
        found.add((family.name, family.type, labels, family.documentation))
    return found


@pytest.mark.parametrize("service", ["ingest", "process", "deliver", "console"])
def test_the_catalogue_lists_exactly_what_each_service_registers(service: str) -> None:
    listed = {(m.family, m.kind, m.labels, m.help) for m in CATALOGUE if m.service == service}
    registered = _registered(service)
    assert listed - registered == set(), "catalogued but not registered (or different)"
    assert registered - listed == set(), "registered but not catalogued (or different)"


@pytest.mark.parametrize(
    ("name", "label", "code"),
    [
        ("wirewatch_feed_fetches_total", "outcome", ingest_metrics.OUTCOMES),
        ("wirewatch_processor_items_total", "outcome", processor_metrics.ITEM_OUTCOMES),
        ("wirewatch_watchlist_reloads_total", "outcome", processor_metrics.RELOAD_OUTCOMES),
        ("wirewatch_processor_dead_letters_total", "stage", processor_metrics.DEAD_LETTER_STAGES),
        ("wirewatch_delivery_deliveries_total", "outcome", alerts_metrics.OUTCOMES),
        ("wirewatch_delivery_attempts_total", "result", alerts_metrics.RESULTS),
        ("wirewatch_delivery_records_total", "result", alerts_metrics.RECORD_RESULTS),
        ("wirewatch_console_records_total", "result", console_metrics.RECORD_RESULTS),
        ("wirewatch_console_logins_total", "result", console_metrics.LOGIN_RESULTS),
        ("wirewatch_console_api_auths_total", "result", console_metrics.API_AUTH_RESULTS),
        ("wirewatch_console_trusted_header_total", "result", console_metrics.TRUSTED_HEADER_RESULTS),
    ],
)
def test_fixed_label_values_match_the_code(name: str, label: str, code: tuple[str, ...]) -> None:
    assert BY_NAME[name].values[label] == tuple(code)


def test_ingest_outcomes_are_the_ingest_services_own() -> None:
    assert tuple(ingest_metrics.OUTCOMES) == INGEST_OUTCOMES


TIME_WORDS = re.compile(r"duration|latency|seconds|timestamp|_to_|time")


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda m: m.name)
def test_names_follow_the_prometheus_conventions(spec: MetricSpec) -> None:
    assert re.fullmatch(r"wirewatch_[a-z][a-z0-9_]*[a-z0-9]", spec.name)
    assert spec.name.endswith("_total") == (spec.kind == "counter")
    if TIME_WORDS.search(spec.name):
        assert spec.name.endswith("_seconds"), "durations and times are in seconds (base unit)"
    assert not re.search(r"_(ms|milliseconds|minutes|hours|kilobytes|mb)(_|$)", spec.name)
    assert spec.help.strip(), "every metric says what it measures"
    assert "le" not in spec.labels and "quantile" not in spec.labels


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda m: m.name)
def test_every_label_says_where_its_values_come_from(spec: MetricSpec) -> None:
    for label in spec.labels:
        assert label in spec.values or label in LABEL_BOUNDS, f"{label} has no stated bound"
    assert set(spec.values) <= set(spec.labels)


def test_names_are_unique() -> None:
    assert len(BY_NAME) == len(CATALOGUE)


@pytest.mark.parametrize(
    ("sample", "metric"),
    [
        ("wirewatch_feed_fetches_total", "wirewatch_feed_fetches_total"),
        ("wirewatch_feed_fetches_created", "wirewatch_feed_fetches_total"),
        ("wirewatch_delivery_send_seconds_bucket", "wirewatch_delivery_send_seconds"),
        ("wirewatch_delivery_send_seconds_count", "wirewatch_delivery_send_seconds"),
        ("wirewatch_consumer_lag", "wirewatch_consumer_lag"),
        ("wirewatch_feed_fetches", None),
        ("wirewatch_consumer_lag_bucket", None),
        ("wirewatch_nothing_total", None),
    ],
)
def test_sample_names_map_to_their_metric(sample: str, metric: str | None) -> None:
    spec = spec_of(sample)
    assert (spec.name if spec else None) == metric


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("wirewatch_consumer_lag", {"wirewatch_consumer_lag"}),
        ('up{job=~"wirewatch-.*"} == 0', {"up"}),
        (
            "histogram_quantile(0.5, sum by (le) (rate(wirewatch_x_seconds_bucket[$__rate_interval])))",
            {"wirewatch_x_seconds_bucket"},
        ),
        # label names and values, grouping labels, variables and functions are not metrics
        ('sum by (feed, up) (rate(wirewatch_a_total{lang="up", up="x"}[5m]))', {"wirewatch_a_total"}),
        ("time() - max by (feed) (wirewatch_b)", {"wirewatch_b"}),
        ("count(wirewatch_c >= 3) or vector(0)", {"wirewatch_c"}),
        ("sum(wirewatch_a) / on (channel) group_left sum(wirewatch_b)", {"wirewatch_a", "wirewatch_b"}),
        ('label_values(wirewatch_d, channel) and $up and "wirewatch_e"', {"wirewatch_d"}),
    ],
)
def test_metric_names_reads_the_selectors_of_an_expression(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_the_markdown_table_has_one_well_formed_row_per_metric() -> None:
    lines = markdown_table().strip().splitlines()
    rows = lines[2:]
    assert len(rows) == len(CATALOGUE)
    for row, spec in zip(rows, CATALOGUE, strict=True):
        assert row.startswith(f"| `{spec.name}` | {spec.kind} |")
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) == 7, row  # five columns: no unescaped pipe inside a cell


def test_processor_outcomes_and_stages_exist_at_zero_from_the_start() -> None:
    registry = CollectorRegistry()
    processor_metrics.ProcessorMetrics.create(registry)
    for stage in processor_metrics.DEAD_LETTER_STAGES:
        assert registry.get_sample_value("wirewatch_processor_dead_letters_total", {"stage": stage}) == 0
    for outcome in processor_metrics.ITEM_OUTCOMES:
        assert registry.get_sample_value("wirewatch_processor_items_total", {"outcome": outcome}) == 0


def test_delivery_results_exist_at_zero_from_the_start() -> None:
    registry = CollectorRegistry()
    metrics = alerts_metrics.AlertsMetrics.create(registry)
    for result in alerts_metrics.RECORD_RESULTS:
        assert registry.get_sample_value("wirewatch_delivery_records_total", {"result": result}) == 0
    assert (
        registry.get_sample_value("wirewatch_delivery_attempts_total", {"channel": "ops", "result": "retry"})
        is None
    )
    metrics.attempt(Delivery.sent("ops"), 0.01)
    value = registry.get_sample_value
    assert value("wirewatch_delivery_attempts_total", {"channel": "ops", "result": "ok"}) == 1
    for result in ("retry", "rate_limited", "permanent"):
        assert value("wirewatch_delivery_attempts_total", {"channel": "ops", "result": result}) == 0
