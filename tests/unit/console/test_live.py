"""The live feed (/events), driven as raw ASGI: new revisions as escaped rows, filters, replay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
from console_samples import make_alert
from fastapi import FastAPI

from console.web.app import Console, create_app


async def read_events(
    app: FastAPI,
    cookie: str,
    query: str = "",
    last_event_id: str | None = None,
    until: Callable[[list[dict]], bool] = bool,
    then: Callable[[], None] = lambda: None,
) -> list[dict]:
    """Open /events, call ``then`` once connected, collect ``alert`` events until ``until`` holds."""
    headers = [(b"host", b"console.test"), (b"cookie", cookie.encode())]
    if last_event_id:
        headers.append((b"last-event-id", last_event_id.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/events",
        "raw_path": b"/events",
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("console.test", 80),
    }
    gone = asyncio.Event()
    done = asyncio.Event()
    text: list[str] = []
    events: list[dict] = []
    status: list[int] = []

    async def receive() -> dict:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
            return
        text.append(message.get("body", b"").decode())
        if text[-1].startswith("retry:"):
            then()
        for block in "".join(text).split("\n\n"):
            if "event: alert" in block and block not in [e["_raw"] for e in events]:
                data = json.loads(block.split("data: ", 1)[1])
                events.append({**data, "_raw": block})
        if until(events):
            done.set()

    task = asyncio.create_task(app(scope, receive, send))
    try:
        await asyncio.wait_for(done.wait(), 5)
    finally:
        gone.set()
        await asyncio.wait_for(task, 5)
    assert status == [200]
    return events


async def cookie_of(session: httpx.AsyncClient) -> str:
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


async def test_a_new_revision_arrives_as_an_escaped_row(session: httpx.AsyncClient, console: Console) -> None:
    app = create_app(console)
    hostile = make_alert("st-h", title="<script>alert(1)</script>", severity="critical")

    def publish() -> None:
        console.store.add(hostile)
        console.hub.publish(hostile)

    events = await read_events(app, await cookie_of(session), then=publish)
    assert events[0]["alert_id"] == "al-st-h-0" and events[0]["severity"] == "critical"
    html = events[0]["html"]
    assert html.startswith('<tr class="alert') and 'data-alert-id="al-st-h-0"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert len(console.hub) == 0  # the subscriber left with the connection


async def test_the_feed_keeps_the_page_filters(session: httpx.AsyncClient, console: Console) -> None:
    app = create_app(console)
    low, loud = make_alert("st-low", severity="low"), make_alert("st-loud", severity="critical")

    def publish() -> None:
        for alert in (low, loud):
            console.store.add(alert)
            console.hub.publish(alert)

    events = await read_events(app, await cookie_of(session), query="severity=critical", then=publish)
    assert [e["alert_id"] for e in events] == ["al-st-loud-0"]


async def test_a_reconnect_gets_what_it_missed(session: httpx.AsyncClient, console: Console) -> None:
    for story in ("a", "b", "c"):
        console.store.add(make_alert(story))
    events = await read_events(
        create_app(console), await cookie_of(session), last_event_id="al-a-0", until=lambda e: len(e) >= 2
    )
    assert [e["alert_id"] for e in events] == ["al-b-0", "al-c-0"]


async def test_a_first_connect_gets_what_was_stored_since_the_page(
    session: httpx.AsyncClient, console: Console
) -> None:
    console.store.add(make_alert("old"))
    page = await session.get("/")
    cursor = page.text.split('data-cursor="', 1)[1].split('"', 1)[0]
    assert cursor == str(console.store.last_seq())
    # stored after the page was rendered, before its EventSource connected: not published again
    console.store.add(make_alert("between"))
    events = await read_events(create_app(console), await cookie_of(session), query=f"cursor={cursor}")
    assert [e["alert_id"] for e in events] == ["al-between-0"]


async def test_a_junk_cursor_replays_nothing(session: httpx.AsyncClient, console: Console) -> None:
    console.store.add(make_alert("old"))
    late = make_alert("late")

    def publish() -> None:
        console.store.add(late)
        console.hub.publish(late)

    for junk in ("-1", "abc", "9" * 30):
        events = await read_events(
            create_app(console), await cookie_of(session), query=f"cursor={junk}", then=publish
        )
        assert [e["alert_id"] for e in events] == ["al-late-0"]
