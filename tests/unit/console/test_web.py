"""Pages through an ASGI client: sessions, CSRF, headers, escaping of hostile feed text."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from conftest import PASSWORD, csrf_of, log_in
from console_samples import make_alert

from console.store import Store
from console.web.app import Console


async def test_healthz_needs_no_session(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/", "/search?q=x", "/stories/st-1", "/?page=2"])
async def test_every_page_needs_a_session(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


async def test_the_live_feed_needs_a_session(client: httpx.AsyncClient) -> None:
    assert (await client.get("/events")).status_code == 401


async def test_login_sets_a_signed_httponly_lax_cookie(client: httpx.AsyncClient) -> None:
    response = await log_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("wirewatch_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = await client.get("/")
    assert page.status_code == 200 and '<table id="alerts"' in page.text


async def test_secure_cookies_when_configured(console: Console) -> None:
    from console.web.app import create_app

    console.secure_cookies = True  # a console behind a TLS proxy: the browser speaks https
    transport = httpx.ASGITransport(app=create_app(console))
    async with httpx.AsyncClient(transport=transport, base_url="https://console.test") as c:
        response = await log_in(c)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("wirewatch_session="))
    assert "Secure" in cookie


async def test_a_wrong_password_and_a_disabled_user_get_no_session(
    client: httpx.AsyncClient, console: Console
) -> None:
    assert (await log_in(client, password="wrong password")).status_code == 401
    console.accounts.disable("vic")
    assert (await log_in(client, "vic")).status_code == 401
    assert (await client.get("/")).status_code == 303


async def test_a_forged_cookie_is_no_session(client: httpx.AsyncClient) -> None:
    client.cookies.set("wirewatch_session", "made-up.signature")
    assert (await client.get("/")).status_code == 303


async def test_login_is_locked_after_repeated_failures(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        await log_in(client, password="wrong password")
    locked = await log_in(client)  # even the right password, for a while
    assert locked.status_code == 429 and "try again" in locked.text


async def test_a_post_without_the_csrf_token_is_refused(session: httpx.AsyncClient) -> None:
    assert (await session.post("/logout")).status_code == 403
    assert (await session.post("/logout", data={"csrf_token": "forged"})).status_code == 403
    assert (await session.get("/")).status_code == 200  # still logged in


async def test_the_login_form_needs_its_csrf_token(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    response = await client.post("/login", data={"username": "ana", "password": PASSWORD})
    assert response.status_code == 403


async def test_the_token_is_per_session(session: httpx.AsyncClient, console: Console) -> None:
    mine = csrf_of((await session.get("/")).text)
    from console.web.app import create_app

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(console)), base_url="http://console.test"
    ) as other:
        await log_in(other, "vic")
        refused = await other.post("/logout", data={"csrf_token": mine})
        assert refused.status_code == 403


async def test_logout_ends_the_session(session: httpx.AsyncClient) -> None:
    token = csrf_of((await session.get("/")).text)
    response = await session.post("/logout", headers={"X-CSRF-Token": token})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (await session.get("/")).status_code == 303


async def test_login_redirects_only_to_this_site(client: httpx.AsyncClient) -> None:
    form = await client.get("/login?next=//evil.example/x")
    assert 'name="next" value="/"' in form.text


async def test_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert "<script>" not in response.text and " style=" not in response.text


HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"> <!channel> &amp;'


async def test_hostile_feed_text_renders_as_text(session: httpx.AsyncClient, store: Store) -> None:
    alert = make_alert(
        "st-<x>",
        title=HOSTILE,
        url="javascript:alert(3)",
        actors=("<b>Bad</b>",),
        matched=(("Idlib", "region", "onerror", "onerror"),),
    )
    store.add(alert)
    listing = (await session.get("/")).text
    story = (await session.get("/stories/" + "st-%3Cx%3E")).text
    for page in (listing, story):
        assert "<script>alert" not in page and "<img" not in page and "<b>Bad" not in page
        assert "<!channel>" not in page
        assert "javascript:" not in re.findall(r'href="([^"]*)"', page).__str__()
    assert html.escape("<script>alert(1)</script>", quote=False) in listing
    assert "&lt;!channel&gt;" in story and "(not an http(s) link)" in story


async def test_the_alerts_list_has_the_structure_browser_tests_target(
    session: httpx.AsyncClient, store: Store
) -> None:
    store.add(make_alert("a", severity="critical", minutes=0))
    store.add(make_alert("b", severity="low", minutes=5))
    page = (await session.get("/")).text
    rows = re.findall(r'<tr class="alert[^"]*" data-alert-id="([^"]+)" data-severity="([^"]+)"', page)
    assert rows == [("al-b-0", "low"), ("al-a-0", "critical")]
    assert '<a class="story-link" href="/stories/a">' in page
    assert "<title>Wirewatch</title>" in page
    filtered = (await session.get("/?severity=critical")).text
    assert 'data-alert-id="al-a-0"' in filtered and 'data-alert-id="al-b-0"' not in filtered


async def test_a_bad_filter_is_a_clear_400(session: httpx.AsyncClient) -> None:
    response = await session.get("/?since=yesterday")
    assert response.status_code == 400 and "since: expected a date" in response.text
    assert (await session.get("/?severity=huge")).status_code == 400


async def test_the_story_page(session: httpx.AsyncClient, store: Store) -> None:
    store.add(make_alert("st-1", 0))
    store.add(make_alert("st-1", 1, minutes=5, title="Nouvelles frappes sur Idleb"))
    page = (await session.get("/stories/st-1")).text
    assert page.index("it-st-1-0") < page.index("it-st-1-1")  # reports in time order
    assert '<mark class="evidence">Frappes aériennes</mark>' in page
    assert '<mark class="evidence">Idleb</mark>' in page
    assert "new outlet" in page and "same places" in page
    assert page.count("delivery status: not reported") == 2
    assert '<a class="report-link" href="https://example.org/a"' in page


async def test_an_unknown_story_is_a_404(session: httpx.AsyncClient) -> None:
    response = await session.get("/stories/nope")
    assert response.status_code == 404 and "No story" in response.text


async def test_the_search_page(session: httpx.AsyncClient, store: Store) -> None:
    store.add(make_alert("st-1"))
    page = (await session.get("/search?q=frappes")).text
    assert '<form method="get" action="/search" id="search"' in page and 'name="q"' in page
    assert 'data-alert-id="al-st-1-0"' in page
    assert "data-alert-id" not in (await session.get("/search?q=Damas")).text
