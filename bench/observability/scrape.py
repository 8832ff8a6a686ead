"""What one Prometheus scrape of ``wirewatch process`` costs as the watchlist grows.

``wirewatch_processor_matches_total{kind,entity}`` has one series per matched
watchlist entity, so a gazetteer-scale watchlist makes the processor's
/metrics page large. This renders the processor's registry (as
``generate_latest`` does for a scrape) with 0 to 20,000 matched entities and
reports bytes, lines and render time against the empty-watchlist baseline
measured in the same run, with and without prometheus-client's ``_created``
series. Also: the cost of ``AlertsMetrics.attempt`` (which makes sure every
result's series exists for the channel) against bare counting.

Run: ``.venv/bin/python -m bench.observability.scrape``
"""

from __future__ import annotations

import time

from prometheus_client import (
    CollectorRegistry,
    disable_created_metrics,
    enable_created_metrics,
    generate_latest,
)

from alerts.channels.base import Delivery
from alerts.metrics import AlertsMetrics
from processors.stream.metrics import ProcessorMetrics
from wirewatch.lag import lag_gauge

ENTITIES = (0, 100, 1_000, 5_000, 20_000)
RENDERS = 20


def processor_registry(entities: int) -> CollectorRegistry:
    """The processor's metrics after a demo-like run that matched ``entities`` distinct entities."""
    registry = CollectorRegistry()
    metrics = ProcessorMetrics.create(registry)
    lag = lag_gauge(registry)
    for p in range(3):
        lag.labels("wirewatch-processor", "wirewatch.items.v1", str(p)).set(0)
    for i in range(entities):
        metrics.matches.labels("actor" if i % 2 else "region", f"Entity {i}").inc()
    for rule in ("default", "strikes", "airspace"):
        metrics.alerts.labels("escalation", rule, "high").inc()
    metrics.latency.observe(1.2)
    return registry


def render(registry: CollectorRegistry) -> tuple[int, int, float]:
    """Bytes, lines and mean seconds of one exposition of ``registry``."""
    body = generate_latest(registry)
    started = time.perf_counter()
    for _ in range(RENDERS):
        generate_latest(registry)
    return len(body), body.count(b"\n"), (time.perf_counter() - started) / RENDERS


def attempt_cost(calls: int = 100_000) -> tuple[float, float]:
    """Mean seconds of one ``AlertsMetrics.attempt`` call, and of bare counting (the baseline)."""
    metrics = AlertsMetrics.create(CollectorRegistry())
    sent = Delivery.sent("slack-ops")
    started = time.perf_counter()
    for _ in range(calls):
        metrics.attempt(sent, 0.01)
    full = (time.perf_counter() - started) / calls
    started = time.perf_counter()
    for _ in range(calls):
        metrics.attempts.labels(sent.channel, "ok").inc()
        metrics.send_seconds.labels(sent.channel).observe(0.01)
    return full, (time.perf_counter() - started) / calls


def main() -> None:
    print("| matched entities | /metrics bytes | lines | render ms | bytes × baseline | render × baseline |")
    print("|---:|---:|---:|---:|---:|---:|")
    base_bytes, _, base_s = render(processor_registry(0))
    for created in (True, False):
        if not created:
            disable_created_metrics()
        for n in ENTITIES:
            size, lines, seconds = render(processor_registry(n))
            label = f"{n:,}" + ("" if created else " (no `_created`)")
            print(
                f"| {label} | {size:,} | {lines:,} | {seconds * 1000:.2f} | "
                f"{size / base_bytes:.1f} | {seconds / base_s:.1f} |"
            )
    enable_created_metrics()
    full, bare = attempt_cost()
    print()
    print("| `AlertsMetrics.attempt` | µs per call | × baseline |")
    print("|---|---:|---:|")
    print(f"| bare counting (baseline) | {bare * 1e6:.2f} | 1.0 |")
    print(f"| with every result's series ensured | {full * 1e6:.2f} | {full / bare:.1f} |")


if __name__ == "__main__":
    main()
