"""Prometheus metrics of ``wirewatch console`` (``wirewatch_console_*``), and what feeds them.

Built with an injected registry: ``ConsoleMetrics.create(CollectorRegistry())`` in tests, the
global registry in ``wirewatch console``, served on ``WIREWATCH_CONSOLE_METRICS_PORT``. Three
small seams feed them, so the app and the projector know nothing of Prometheus:

- ``MetricsMiddleware`` (ASGI, outermost): requests by route template and status, their
  duration, login results (``POST /login``: 303 ok, 401 bad, 429 locked) and API token
  checks (``/api/``: 401/403 refused, else ok);
- ``MeteredProjector``: records projected by result, the last record's time, caught-up, and
  the lag (records on the topic not yet in the store), asked of Kafka every ``lag_interval_s``;
- ``watch_hub``: the live feed's subscribers, read at scrape time.

Labels are bounded: routes are the app's templates (``unmatched`` for a path no route
serves), statuses are the few the app answers, results come from the fixed sets below.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from console.projector import Hub, Projector
from console.store import Incoming

log = logging.getLogger(__name__)

#: records_total{result}
RECORD_RESULTS = ("ok", "malformed")
#: logins_total{result}: a session started | wrong name or password | refused while locked out
LOGIN_RESULTS = ("ok", "bad", "locked")
#: api_auths_total{result}: a token accepted | refused (missing, unknown, revoked, or its role)
API_AUTH_RESULTS = ("ok", "refused")
#: trusted_header_total{result}: a proxy's user signed in | the header from an untrusted
#: address, ignored | a trusted proxy named a user who does not exist or is disabled
TRUSTED_HEADER_RESULTS = ("ok", "ignored", "refused")

LOGIN_STATUS = {303: "ok", 401: "bad", 429: "locked"}
UNMATCHED = "unmatched"
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass(frozen=True)
class ConsoleMetrics:
    """Every metric of ``wirewatch console``."""

    records: Counter
    last_record: Gauge
    live: Gauge
    lag: Gauge
    requests: Counter
    request_seconds: Histogram
    logins: Counter
    sse_clients: Gauge
    api_auths: Counter
    trusted_header: Counter

    def __post_init__(self) -> None:
        # Failures must read 0, not "no data", until the first one.
        for result in LOGIN_RESULTS:
            self.logins.labels(result)
        for result in API_AUTH_RESULTS:
            self.api_auths.labels(result)
        for result in TRUSTED_HEADER_RESULTS:
            self.trusted_header.labels(result)

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> ConsoleMetrics:
        """Register the metrics in ``registry`` (once per registry)."""
        r = registry
        return cls(
            records=Counter(
                "wirewatch_console_records_total",
                "Alerts-topic records the console projected, by topic and result (ok, malformed).",
                ["topic", "result"],
                registry=r,
            ),
            last_record=Gauge(
                "wirewatch_console_last_record_timestamp_seconds",
                "Unix time the console last projected a record of the alerts topic.",
                registry=r,
            ),
            live=Gauge(
                "wirewatch_console_projection_live",
                "1 once the projection has caught up with the alerts topic and follows it live, else 0.",
                registry=r,
            ),
            lag=Gauge(
                "wirewatch_console_projection_lag",
                "Records on the alerts topic not yet in this console's store (all partitions).",
                registry=r,
            ),
            requests=Counter(
                "wirewatch_console_http_requests_total",
                "HTTP requests the console answered, by route template and status code.",
                ["route", "status"],
                registry=r,
            ),
            request_seconds=Histogram(
                "wirewatch_console_http_request_duration_seconds",
                "Time to answer one HTTP request (live feed streams: until the stream ends), by route.",
                ["route"],
                buckets=_DURATION_BUCKETS,
                registry=r,
            ),
            logins=Counter(
                "wirewatch_console_logins_total",
                "Password logins by result (ok, bad, locked).",
                ["result"],
                registry=r,
            ),
            sse_clients=Gauge(
                "wirewatch_console_sse_clients",
                "Browsers connected to the live feed now.",
                registry=r,
            ),
            api_auths=Counter(
                "wirewatch_console_api_auths_total",
                "JSON API requests by token check result (ok, refused).",
                ["result"],
                registry=r,
            ),
            trusted_header=Counter(
                "wirewatch_console_trusted_header_total",
                "Requests carrying the trusted user header, by result (ok, ignored, refused).",
                ["result"],
                registry=r,
            ),
        )

    def watch_hub(self, hub: Hub) -> None:
        """Report ``hub``'s subscriber count at every scrape."""
        self.sse_clients.set_function(lambda: len(hub))


# -- HTTP ----------------------------------------------------------------------------------

Scope = dict[str, Any]


def route_of(scope: Scope) -> str:
    """The route template that served ``scope`` (``/stories/{story_key}``), else ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request; put it outermost so refusals are counted too."""

    def __init__(self, app: Any, metrics: ConsoleMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.observe(scope, status, time.perf_counter() - started)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        m = self.metrics
        route = route_of(scope)
        m.requests.labels(route, str(status)).inc()
        m.request_seconds.labels(route).observe(seconds)
        path = scope.get("path", "")
        if path == "/login" and scope.get("method") == "POST" and status in LOGIN_STATUS:
            m.logins.labels(LOGIN_STATUS[status]).inc()
        elif path.startswith("/api/"):
            m.api_auths.labels("refused" if status in (401, 403) else "ok").inc()


# -- the projection ------------------------------------------------------------------------


class MeteredProjector(Projector):
    """A ``Projector`` that reports what it projects, whether it is live, and its lag."""

    metrics: ConsoleMetrics | None = None
    lag_interval_s: float = 10.0
    measure_lag: bool = False

    def attach(
        self, metrics: ConsoleMetrics, measure_lag: bool = False, lag_interval_s: float = 10.0
    ) -> None:
        """Report to ``metrics``; with ``measure_lag``, ask Kafka for the end offsets periodically."""
        self.metrics, self.measure_lag, self.lag_interval_s = metrics, measure_lag, lag_interval_s
        metrics.live.set_function(lambda: 1.0 if self.status.state == "live" else 0.0)
        for result in RECORD_RESULTS:
            metrics.records.labels(self.topic, result)

    async def run(self) -> None:
        measuring = None
        if self.metrics is not None and self.measure_lag:
            measuring = asyncio.create_task(self._measure_lag(), name="console-lag")
        try:
            await super().run()
        finally:
            if measuring is not None:
                measuring.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await measuring

    def apply(self, records: list[Incoming]) -> None:
        malformed = self.status.malformed
        super().apply(records)
        if self.metrics is None:
            return
        bad = self.status.malformed - malformed
        self.metrics.records.labels(self.topic, "ok").inc(len(records) - bad)
        if bad:
            self.metrics.records.labels(self.topic, "malformed").inc(bad)
        self.metrics.last_record.set(time.time())

    async def _measure_lag(self) -> None:
        assert self.metrics is not None
        while True:
            await asyncio.sleep(self.lag_interval_s)
            try:
                ends = await asyncio.wait_for(
                    end_offsets(self.bootstrap, self.topic, self.client_config), self.lag_interval_s
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a broker outage must not stop the measuring
                log.debug("console lag measurement failed: %s", exc)
                continue
            self.metrics.lag.set(lag(ends, self.store.offsets(self.topic)))


def lag(ends: dict[int, int], stored: dict[int, int]) -> int:
    """Records not yet projected: per partition, its end offset minus the next offset to read."""
    return sum(max(0, end - (stored.get(p, -1) + 1)) for p, end in ends.items())


async def end_offsets(bootstrap: str, topic: str, client_config: dict[str, Any]) -> dict[int, int]:
    """The end offset of each partition of ``topic``, from a short-lived consumer with no group.

    aiokafka, on the loop, so a console stopping while Kafka is away does not wait for a thread.
    """
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, **client_config
    )
    await consumer.start()
    try:
        await consumer.topics()  # fetches the metadata partitions_for_topic reads
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        found = await consumer.end_offsets(tps) if tps else {}
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in found.items()}
