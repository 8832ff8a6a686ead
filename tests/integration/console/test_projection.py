"""The console against the real broker: alerts produced to the topic reach the store and the API,
a restarted projector neither loses nor duplicates a revision, a rebuild gives the same rows,
and the live feed pushes a new revision to an open event stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from argon2 import PasswordHasher

from console.accounts import Accounts
from console.projector import Hub, Projector
from console.service import bind, serve
from console.store import Store
from console.web.app import Console, create_app
from console.web.security import Signer
from wirewatch.records import Alert, AlertItem, Evidence
from wirewatch.settings import Settings
from wirewatch.topics import Topics

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def alert(story: str, revision: int = 0, severity: str = "high") -> Alert:
    when = T0 + timedelta(minutes=revision)
    item = AlertItem(
        id=f"{story}-{revision}",
        title=f"Frappes aériennes sur Idleb ({story} {revision})",
        url="https://example.org/x",
        source="AFP",
        lang="fr",
        published_at=when,
        fetched_at=when,
    )
    return Alert(
        alert_id=f"{story}:r{revision}",
        story_key=story,
        kind="escalation",
        rule="default",
        severity=severity,  # type: ignore[arg-type]
        regions=["Idlib"],
        escalations=["air strike"],
        evidence=[Evidence(entity="Idlib", kind="region", alias="Idleb", matched="Idleb", score=100)],
        items=[item],
        first_seen=T0,
        last_seen=when,
        revision=revision,
        update_reason="new outlet" if revision else None,
    )


async def produce(settings: Settings, values: list[Alert | bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            if isinstance(value, Alert):
                await producer.send_and_wait(
                    Topics(settings.topic_prefix).alerts, value.to_bytes(), key=value.story_key.encode()
                )
            else:
                await producer.send_and_wait(Topics(settings.topic_prefix).alerts, value, key=b"junk")
    finally:
        await producer.stop()


async def until(
    check: Callable[[], bool], timeout_s: float = 30.0, what: str = "condition", state: object = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not reached within {timeout_s:.0f} s ({state})")
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def projecting(settings: Settings, store: Store, hub: Hub | None = None) -> AsyncIterator[Projector]:
    projector = Projector(
        bootstrap=settings.kafka_bootstrap or "",
        topic=Topics(settings.topic_prefix).alerts,
        store=store,
        hub=hub or Hub(),
    )
    task = asyncio.create_task(projector.run())
    try:
        yield projector
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def rows(store: Store) -> list[tuple]:
    return [
        tuple(r)
        for r in store.db.execute(
            "SELECT alert_id, story_key, revision, severity, record FROM alerts ORDER BY alert_id"
        )
    ] + [tuple(r) for r in store.db.execute("SELECT * FROM stories ORDER BY story_key")]


async def test_produced_alerts_reach_the_store_and_the_api(kafka_settings: Settings, tmp_path: Path) -> None:
    store = Store(tmp_path / "console.db")
    sent = [alert("st-a", 0), alert("st-b", 0, "critical"), alert("st-a", 1)]
    await produce(kafka_settings, [*sent, b"{not an alert", sent[0]])  # junk and a re-sent alert
    async with projecting(kafka_settings, store) as projector:
        await until(
            lambda: projector.status.state == "live" and store.count() == 3,
            what="3 revisions",
            state=projector.status,
        )
        assert projector.status.malformed == 1
        console = Console(
            store=store, accounts=Accounts(":memory:"), signer=Signer(b"k" * 32), projector=projector
        )
        transport = httpx.ASGITransport(app=create_app(console))
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
            health = (await client.get("/healthz")).json()
        assert health == {"status": "ok", "projection": "live", "alerts": 3, "malformed": 1}
    accounts = Accounts(tmp_path / "accounts.db", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    accounts.add_user("vic", "viewer", PASSWORD)
    _, token = accounts.create_token("vic")
    console = Console(store=store, accounts=accounts, signer=Signer(b"k" * 32))
    transport = httpx.ASGITransport(app=create_app(console))
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        headers = {"Authorization": f"Bearer {token}"}
        listed = (await client.get("/api/v1/alerts", headers=headers)).json()
        assert {a["alert_id"] for a in listed["alerts"]} == {a.alert_id for a in sent}
        story = (await client.get("/api/v1/stories/st-a", headers=headers)).json()
        assert [r["alert"]["revision"] for r in story["revisions"]] == [0, 1]
        found = (await client.get("/api/v1/search?q=frappe", headers=headers)).json()
        assert len(found["alerts"]) == 3


async def test_a_restart_neither_loses_nor_duplicates(kafka_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "console.db"
    store = Store(path)
    first = [alert(f"st-{i}", 0) for i in range(6)]
    await produce(kafka_settings, first)
    async with projecting(kafka_settings, store) as projector:
        await until(lambda: store.count() == 6, what="the first 6 revisions")
        await until(lambda: projector.status.state == "live", what="live")
    store.close()

    # produced while the console was down, then a restart on the same file
    later = [alert(f"st-{i}", 1) for i in range(6)]
    await produce(kafka_settings, later)
    again = Store(path)
    hub = Hub()
    seen = hub.subscribe()
    async with projecting(kafka_settings, again, hub) as projector:
        await until(lambda: again.count() == 12, what="all 12 revisions")
        await until(lambda: projector.status.state == "live", what="live")
        await asyncio.sleep(1.0)  # anything read twice would show by now
    assert again.count() == 12
    told = []
    while not seen.empty():
        told.append(seen.get_nowait())
    # only what was new to the store is told live, once each
    assert sorted(a.alert_id for a in told if a) == sorted(a.alert_id for a in later)
    offsets = again.offsets(Topics(kafka_settings.topic_prefix).alerts)
    assert sum(o + 1 for o in offsets.values()) == 12  # every record's offset, and no further

    # a rebuild from the beginning of the topic gives the same rows
    rebuilt = Store(tmp_path / "rebuilt.db")
    async with projecting(kafka_settings, rebuilt):
        await until(lambda: rebuilt.count() == 12, what="the rebuild")
    assert rows(rebuilt) == rows(again)


WATCHLIST = b"""version: 1
regions:
  - name: Zabadani
    aliases: [Zebdani]
escalations:
  - name: shelling
    severity: high
    terms: {en: [shelling], fr: [bombardements]}
"""


async def test_search_learns_spellings_from_the_watchlist_topic(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    told = alert("st-z").model_copy(update={"regions": ["Zabadani"], "evidence": []})
    topics = Topics(kafka_settings.topic_prefix)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topics.watchlist, b"version: [", key=b"watchlist")  # skipped
        await producer.send_and_wait(topics.watchlist, WATCHLIST, key=b"watchlist")
    finally:
        await producer.stop()
    await produce(kafka_settings, [told])
    store = Store(tmp_path / "console.db")
    projector = Projector(
        bootstrap=kafka_settings.kafka_bootstrap or "",
        topic=topics.alerts,
        watchlist_topic=topics.watchlist,
        store=store,
        hub=Hub(),
    )
    task = asyncio.create_task(projector.run())
    try:
        await until(lambda: store.count() == 1 and projector.status.state == "live", what="the alert")
        await until(
            lambda: "zabadani" in (store.fts_query("Zebdani") or ""),
            what="the watchlist",
            state=projector.status,
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    from console.store import AlertFilter

    assert [r["alert_id"] for r in store.alerts(AlertFilter(q="Zebdani")).rows] == ["st-z:r0"]


async def _login(client: httpx.AsyncClient) -> None:
    form = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    done = await client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token[1]})
    assert done.status_code == 303


async def _first_event(stream: httpx.Response, name: str) -> dict:
    event = None
    async for line in stream.aiter_lines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == name:
            return json.loads(line.removeprefix("data: "))
    raise AssertionError("the event stream ended")


async def test_the_live_feed_pushes_new_revisions(kafka_settings: Settings, tmp_path: Path) -> None:
    store = Store(tmp_path / "console.db")
    accounts = Accounts(tmp_path / "accounts.db", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    accounts.add_user("ana", "analyst", PASSWORD)
    hub = Hub()
    projector = Projector(
        bootstrap=kafka_settings.kafka_bootstrap or "",
        topic=Topics(kafka_settings.topic_prefix).alerts,
        store=store,
        hub=hub,
    )
    console = Console(store=store, accounts=accounts, signer=Signer(b"k" * 32), hub=hub, projector=projector)
    sock = bind("127.0.0.1", 0)
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve(console, sock, ready.set_result))
    try:
        url = await asyncio.wait_for(ready, 30)
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            await _login(client)
            await until(lambda: projector.status.state == "live", what="live")
            async with client.stream("GET", "/events?severity=critical") as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                await produce(kafka_settings, [alert("st-low", 0, "low"), alert("st-hostile", 0, "critical")])
                started = time.monotonic()
                data: Awaitable[dict] = _first_event(stream, "alert")
                event = await asyncio.wait_for(data, 10)
                latency = time.monotonic() - started
            assert event["alert_id"] == "st-hostile:r0"  # the low one did not pass the filter
            assert 'data-alert-id="st-hostile:r0"' in event["html"] and "<script" not in event["html"]
            assert latency < 5, latency
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
        sock.close()


async def test_partitions_added_to_the_topic_are_followed(kafka_settings: Settings, tmp_path: Path) -> None:
    from kafka.admin import NewPartitions

    from wirewatch.topics import admin_client

    store = Store(tmp_path / "console.db")
    topic = Topics(kafka_settings.topic_prefix).alerts
    await produce(kafka_settings, [alert("st-a", 0)])
    projector = Projector(
        bootstrap=kafka_settings.kafka_bootstrap or "",
        topic=topic,
        store=store,
        hub=Hub(),
        partition_check_s=0.5,
    )
    task = asyncio.create_task(projector.run())
    try:
        await until(lambda: store.count() == 1, what="the first revision", state=projector.status)
        admin = admin_client(kafka_settings.kafka_bootstrap or "", kafka_settings)
        try:
            admin.create_partitions({topic: NewPartitions(total_count=4)})
        finally:
            admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            for partition in (2, 3):
                late = alert(f"st-p{partition}", 0)
                await producer.send_and_wait(topic, late.to_bytes(), key=b"k", partition=partition)
        finally:
            await producer.stop()
        await until(
            lambda: store.count() == 3, what="revisions on the new partitions", state=projector.status
        )
        assert {2, 3} <= set(store.offsets(topic))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
