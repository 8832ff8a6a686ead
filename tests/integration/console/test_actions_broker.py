"""The console's actions against the real broker: API actions land on the actions topic (acked),
the projection follows the actions and receipts topics, a rebuild from the topics gives the
same rows, and an action naming a story the console does not know is dead-lettered."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from argon2 import PasswordHasher
from kafka import TopicPartition

from console.accounts import Accounts
from console.action_store import ActionStore
from console.actions import Actions, KafkaProducer
from console.projector import Hub, Projector
from console.service import build_actions
from console.store import Store
from console.web.app import Console, create_app
from console.web.security import Signer
from tests.integration.console.test_projection import PASSWORD, alert, produce, until
from wirewatch.actions import Action, Receipt, new_action_id
from wirewatch.settings import Settings
from wirewatch.topics import Topics


@contextlib.asynccontextmanager
async def following(settings: Settings, path: Path) -> AsyncIterator[tuple[Store, Projector, Actions]]:
    """A console's store with both followers running: the alerts projector and the actions' one."""
    store = Store(path)
    projector = Projector(
        bootstrap=settings.kafka_bootstrap or "",
        topic=Topics(settings.topic_prefix).alerts,
        store=store,
        hub=Hub(),
    )
    actions = build_actions(settings, store, projector)
    tasks = [asyncio.create_task(projector.run()), asyncio.create_task(actions.projector.run())]
    try:
        await until(lambda: projector.status.state == "live", what="alerts live", state=projector.status)
        yield store, projector, actions
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if actions.producer is not None:
            await actions.producer.close()


async def read_all(settings: Settings, topic: str, expect: int) -> list[tuple[bytes, bytes]]:
    """The first ``expect`` records of ``topic`` (kafka-python, no group, in a thread)."""

    def read() -> list[tuple[bytes, bytes]]:
        from kafka import KafkaConsumer

        consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None)
        try:
            tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            found: list[tuple[bytes, bytes]] = []
            deadline = time.monotonic() + 20
            while len(found) < expect and time.monotonic() < deadline:
                batch = consumer.poll(timeout_ms=500)
                found += [(r.key, r.value) for records in batch.values() for r in records]
            return found
        finally:
            consumer.close()

    return await asyncio.to_thread(read)


async def test_api_actions_reach_the_topic_and_a_rebuild_gives_the_same_rows(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    topics = Topics(kafka_settings.topic_prefix)
    await produce(kafka_settings, [alert("st-a", 0), alert("st-b", 0), alert("st-a", 1)])
    accounts = Accounts(tmp_path / "accounts.db", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    accounts.add_user("ana", "analyst", PASSWORD)
    headers = {"Authorization": f"Bearer {accounts.create_token('ana')[1]}"}
    async with following(kafka_settings, tmp_path / "one.db") as (store, _, actions):
        await until(lambda: store.count() == 3, what="3 revisions")
        console = Console(store=store, accounts=accounts, signer=Signer(b"k" * 32), actions=actions)
        transport = httpx.ASGITransport(app=create_app(console))
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
            assert (await client.post("/api/v1/stories/st-a/acknowledge", headers=headers)).status_code == 200
            snooze = await client.post("/api/v1/stories/st-a/snooze", json={"minutes": 30}, headers=headers)
            assert snooze.status_code == 200
            ends = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
            made = await client.post(
                "/api/v1/silences",
                json={"matchers": {"region": "Idlib"}, "ends_at": ends, "comment": "drill"},
                headers=headers,
            )
            sid = made.json()["id"]
            mark = await client.post(
                "/api/v1/alerts/st-b:r0/not-relevant", json={"reason": "old news"}, headers=headers
            )
            assert mark.status_code == 200
            assert (await client.delete(f"/api/v1/silences/{sid}", headers=headers)).status_code == 200
            assert (
                await client.post("/api/v1/stories/ghost/acknowledge", headers=headers)
            ).status_code == 404
        # every answer came after the broker had the record
        on_topic = await read_all(kafka_settings, topics.actions, 5)
        assert [k.decode() for k, _ in on_topic] == [
            "story:st-a:acknowledge",
            "story:st-a:snooze",
            f"silence:{sid}",
            "alert:st-b:r0:not_relevant:ana",
            f"silence:{sid}",
        ]
        at = datetime.now(UTC)
        receipt = Receipt(
            alert_id="st-a:r1",
            story_key="st-a",
            revision=1,
            channel="slack-ops",
            outcome="held",
            reason="snoozed by ana",
            at=at,
        )
        producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topics.receipts, receipt.to_bytes(), key=b"st-a:r1")
        finally:
            await producer.stop()
        first = actions.action_store
        await until(
            lambda: first.offsets(topics.actions).get(0) == 4 and bool(first.receipts("st-a")),
            what="actions and receipts projected",
        )
        assert first.silences()[0].cancelled
        assert first.state("st-a")["snooze"]["actor"] == "ana"
        before = first.rows()
    async with following(kafka_settings, tmp_path / "two.db") as (_, _, actions2):
        second = actions2.action_store
        await until(
            lambda: second.offsets(topics.actions).get(0) == 4 and bool(second.receipts("st-a")),
            what="the rebuild",
        )
        assert second.rows() == before


async def test_an_action_on_an_unknown_story_is_dead_lettered(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    topics = Topics(kafka_settings.topic_prefix)
    await produce(kafka_settings, [alert("st-a", 0)])
    ghost = Action(
        action_id=new_action_id(),
        kind="acknowledge",
        actor="mallory",
        role="analyst",
        source="api",
        at=datetime.now(UTC),
        story_key="ghost",
    )
    known = ghost.model_copy(update={"action_id": new_action_id(), "story_key": "st-a"})
    producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for a in (ghost, known):
            await producer.send_and_wait(topics.actions, a.to_bytes(), key=a.key.encode())
        await producer.send_and_wait(topics.actions, b"{not an action", key=b"junk")
    finally:
        await producer.stop()
    async with following(kafka_settings, tmp_path / "c.db") as (_, _, actions):
        action_store: ActionStore = actions.action_store
        await until(lambda: action_store.offsets(topics.actions).get(0) == 2, what="the three records read")
        assert [a.action_id for a in action_store.actions()] == [known.action_id]
        assert actions.projector.status.malformed == 1
    dead = await read_all(kafka_settings, topics.actions_dlq, 1)
    assert [Action.from_bytes(v).action_id for _, v in dead] == [ghost.action_id]


async def test_kafka_unreachable_refuses_the_action_and_does_nothing(tmp_path: Path) -> None:
    from wirewatch.broker import free_port

    store = Store(tmp_path / "c.db")
    store.add(alert("st-a", 0))
    accounts = Accounts(tmp_path / "accounts.db", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    accounts.add_user("ana", "analyst", PASSWORD)
    headers = {"Authorization": f"Bearer {accounts.create_token('ana')[1]}"}
    producer = KafkaProducer(f"127.0.0.1:{free_port()}", timeout_s=2.0)
    actions = Actions(store=store, action_store=ActionStore(store), producer=producer, topic="x.actions.v1")
    console = Console(store=store, accounts=accounts, signer=Signer(b"k" * 32), actions=actions)
    transport = httpx.ASGITransport(app=create_app(console))
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        started = time.monotonic()
        response = await client.post("/api/v1/stories/st-a/acknowledge", headers=headers)
    assert response.status_code == 503 and "nothing was done" in response.json()["detail"]
    assert time.monotonic() - started < 10
    assert actions.action_store.actions() == [] and actions.produced == set()
    await producer.close()
