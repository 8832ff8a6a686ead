"""Trusted-header sign-in: a trusted proxy's user is in; the header from anywhere else is ignored.

Driven through httpx's ASGI transport with the peer address set (Starlette's httpx.AsyncClient warns
about httpx, and the suite turns warnings into errors).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import csrf_of
from prometheus_client import CollectorRegistry

from console.metrics import ConsoleMetrics
from console.service import web_app
from console.web.app import Console
from wirewatch.settings import Settings

HEADER = "X-Forwarded-User"
PROXY = "10.0.0.5"


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


def client_from(
    console: Console, registry: CollectorRegistry, address: str, **settings: str
) -> httpx.AsyncClient:
    settings = settings or {
        "console_trusted_header": HEADER,
        "console_trusted_proxies": f"{PROXY}, 192.168.0.0/24",
    }
    app = web_app(console, Settings(**settings), ConsoleMetrics.create(registry))
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://console.test")


@pytest.fixture
async def via_proxy(console: Console, registry: CollectorRegistry) -> AsyncIterator[httpx.AsyncClient]:
    async with client_from(console, registry, PROXY) as c:
        yield c


def counted(registry: CollectorRegistry, result: str) -> float | None:
    return registry.get_sample_value("wirewatch_console_trusted_header_total", {"result": result})


async def test_a_trusted_proxy_naming_a_user_signs_them_in(
    via_proxy: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    page = await via_proxy.get("/", headers={HEADER: "ana"})
    assert page.status_code == 200
    assert "ana" in page.text
    assert (await via_proxy.get("/", headers={HEADER: "ana"})).status_code == 200
    assert counted(registry, "ok") == 2


async def test_an_address_in_a_trusted_network_counts(console: Console, registry: CollectorRegistry) -> None:
    async with client_from(console, registry, "192.168.0.77") as c:
        assert (await c.get("/", headers={HEADER: "vic"})).status_code == 200


async def test_the_header_from_an_untrusted_address_is_ignored(
    console: Console, registry: CollectorRegistry
) -> None:
    async with client_from(console, registry, "10.0.0.6") as c:
        page = await c.get("/", headers={HEADER: "ana"})
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        api = await c.get("/api/v1/alerts", headers={HEADER: "ana"})
        assert api.status_code == 401
    assert counted(registry, "ignored") == 2
    assert counted(registry, "ok") == 0


async def test_without_the_header_a_proxy_request_needs_a_session(via_proxy: httpx.AsyncClient) -> None:
    page = await via_proxy.get("/")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


@pytest.mark.parametrize("name", ["nobody", "ana"])
async def test_an_unknown_or_disabled_user_is_refused(
    via_proxy: httpx.AsyncClient, console: Console, registry: CollectorRegistry, name: str
) -> None:
    if name == "ana":
        assert (await via_proxy.get("/", headers={HEADER: "ana"})).status_code == 200
        console.accounts.disable("ana")  # ends the session made for ana too
    refused = await via_proxy.get("/", headers={HEADER: name})
    assert refused.status_code == 403
    assert counted(registry, "refused") == 1


async def test_posts_still_need_the_csrf_token(via_proxy: httpx.AsyncClient) -> None:
    as_ana = {HEADER: "ana"}
    forged = await via_proxy.post("/logout", headers=as_ana)
    assert forged.status_code == 403
    token = csrf_of((await via_proxy.get("/", headers=as_ana)).text)
    done = await via_proxy.post("/logout", headers=as_ana, data={"csrf_token": token})
    assert done.status_code == 303


async def test_it_is_off_unless_configured(console: Console, registry: CollectorRegistry) -> None:
    async with client_from(console, registry, PROXY, console_trusted_proxies=PROXY) as c:
        assert (await c.get("/", headers={HEADER: "ana"})).status_code == 303
    assert counted(registry, "ignored") == 0


def test_the_trusted_proxies_setting_is_checked() -> None:
    from wirewatch.errors import ConfigError

    with pytest.raises(ConfigError, match="CONSOLE_TRUSTED_PROXIES"):
        Settings(console_trusted_proxies="10.0.0.5, not-an-address")
