"""The console's metrics: requests by route template, logins, API token checks, the projection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import csrf_of, log_in
from console_samples import make_alert
from prometheus_client import CollectorRegistry

from console.metrics import ConsoleMetrics, MeteredProjector, lag
from console.projector import Hub
from console.service import web_app
from console.store import Incoming, Store
from console.web.app import Console
from wirewatch.settings import Settings


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def metered(console: Console, registry: CollectorRegistry) -> AsyncIterator[httpx.AsyncClient]:
    metrics = ConsoleMetrics.create(registry)
    metrics.watch_hub(console.hub)
    app = web_app(console, Settings(), metrics)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as c:
        yield c


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


async def test_requests_are_counted_by_route_template_and_status(
    metered: httpx.AsyncClient, registry: CollectorRegistry, store: Store
) -> None:
    store.add(make_alert("st-1"))
    await log_in(metered)
    assert (await metered.get("/stories/st-1")).status_code == 200
    assert (await metered.get("/stories/nope")).status_code == 404
    assert (await metered.get("/no/such/page")).status_code == 404
    requests = "wirewatch_console_http_requests_total"
    assert value(registry, requests, route="/stories/{story_key}", status="200") == 1
    assert value(registry, requests, route="/stories/{story_key}", status="404") == 1
    assert value(registry, requests, route="unmatched", status="404") == 1
    count = "wirewatch_console_http_request_duration_seconds_count"
    assert value(registry, count, route="/stories/{story_key}") == 2


async def test_logins_are_counted_by_result(metered: httpx.AsyncClient, registry: CollectorRegistry) -> None:
    logins = "wirewatch_console_logins_total"
    assert value(registry, logins, result="bad") == 0  # there from the start, for rates and rules
    assert (await log_in(metered, password="wrong password")).status_code == 401
    assert (await log_in(metered)).status_code == 303
    assert value(registry, logins, result="ok") == 1
    assert value(registry, logins, result="bad") == 1
    form = await metered.get("/")  # signed in now: the session's token
    for _ in range(10):
        await metered.post(
            "/login", data={"username": "vic", "password": "nope nope", "csrf_token": csrf_of(form.text)}
        )
    assert value(registry, logins, result="locked") >= 1  # type: ignore[operator]


async def test_api_token_checks_are_counted(
    metered: httpx.AsyncClient, registry: CollectorRegistry, console: Console
) -> None:
    _, token = console.accounts.create_token("ana")
    assert (await metered.get("/api/v1/alerts")).status_code == 401
    ok = await metered.get("/api/v1/alerts", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert value(registry, "wirewatch_console_api_auths_total", result="refused") == 1
    assert value(registry, "wirewatch_console_api_auths_total", result="ok") == 1


def test_live_feed_clients_are_read_from_the_hub(registry: CollectorRegistry) -> None:
    metrics, hub = ConsoleMetrics.create(registry), Hub()
    metrics.watch_hub(hub)
    queue = hub.subscribe()
    assert value(registry, "wirewatch_console_sse_clients") == 1
    hub.unsubscribe(queue)
    assert value(registry, "wirewatch_console_sse_clients") == 0


def test_the_projector_counts_what_it_projects(store: Store, registry: CollectorRegistry) -> None:
    metrics = ConsoleMetrics.create(registry)
    projector = MeteredProjector(bootstrap="127.0.0.1:1", topic="t.alerts", store=store, hub=Hub())
    projector.attach(metrics)
    assert value(registry, "wirewatch_console_projection_live") == 0
    good = make_alert("st-1").model_dump_json().encode()
    projector.apply([Incoming("t.alerts", 0, 0, good), Incoming("t.alerts", 0, 1, b"{not json")])
    assert value(registry, "wirewatch_console_records_total", topic="t.alerts", result="ok") == 1
    assert value(registry, "wirewatch_console_records_total", topic="t.alerts", result="malformed") == 1
    assert value(registry, "wirewatch_console_last_record_timestamp_seconds") > 0  # type: ignore[operator]
    projector.status.state = "live"
    assert value(registry, "wirewatch_console_projection_live") == 1


@pytest.mark.parametrize(
    ("ends", "stored", "expected"),
    [
        ({0: 5, 1: 3}, {0: 4, 1: 2}, 0),  # offsets 0..4 and 0..2 applied: caught up
        ({0: 5, 1: 3}, {0: 1}, 3 + 3),  # partition 1 never read
        ({0: 0}, {}, 0),  # an empty topic
    ],
)
def test_lag_is_what_the_store_has_not_applied(ends: dict, stored: dict, expected: int) -> None:
    assert lag(ends, stored) == expected
