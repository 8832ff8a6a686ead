"""Records survive a round trip through the real broker: kafka-python in, aiokafka out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient

from wirewatch.records import NewsItem
from wirewatch.settings import Settings
from wirewatch.topics import Topics, ensure_topics, topic_specs


def _item(n: int) -> NewsItem:
    now = datetime(2026, 11, 24, 12, 0, n, tzinfo=UTC)
    return NewsItem(
        id=f"item-{n}",
        feed="afp-fr",
        source="AFP",
        url=f"https://example.org/{n}",
        title=f"Frappes aériennes n°{n}",
        summary="« Idleb »",
        lang="fr",
        published_at=now,
        fetched_at=now,
    )


def test_kafka_python_to_aiokafka_keeps_keys_headers_and_values(kafka_settings: Settings) -> None:
    topic = Topics.from_settings(kafka_settings).items
    producer = KafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap, acks="all")
    sent = [_item(n) for n in range(5)]
    for item in sent:
        producer.send(
            topic,
            key=item.id.encode(),
            value=item.to_bytes(),
            headers=[("content-type", b"application/json"), ("n", item.id.encode())],
        )
    producer.flush(10)
    producer.close()

    async def consume() -> list:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka_settings.kafka_bootstrap,
            auto_offset_reset="earliest",
            group_id=f"{topic}-reader",
            enable_auto_commit=False,
        )
        await consumer.start()
        got = []
        try:
            while len(got) < len(sent):
                batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 30)
                for records in batch.values():
                    got.extend(records)
        finally:
            await consumer.stop()
        return got

    got = asyncio.run(consume())
    assert sorted(r.key for r in got) == sorted(i.id.encode() for i in sent)
    decoded = {r.key.decode(): NewsItem.from_bytes(r.value) for r in got}
    assert decoded == {i.id: i for i in sent}
    for record in got:
        headers = dict(record.headers)
        assert headers["content-type"] == b"application/json"
        assert headers["n"] == record.key


def test_topics_are_created_once_with_their_configs(kafka_settings: Settings) -> None:
    # The fixture already created them: a second call creates nothing.
    assert ensure_topics(kafka_settings.kafka_bootstrap or "", kafka_settings) == []
    admin = KafkaAdminClient(bootstrap_servers=kafka_settings.kafka_bootstrap)
    try:
        names = {s.name for s in topic_specs(kafka_settings)}
        described = {t["name"]: t for t in admin.describe_topics(sorted(names))}
        assert set(described) == names
        items = Topics.from_settings(kafka_settings).items
        assert len(described[items]["partitions"]) == kafka_settings.partitions
        from kafka.admin import ConfigResource, ConfigResourceType

        watchlist = Topics.from_settings(kafka_settings).watchlist
        result = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, watchlist)])
        text = repr(result)
        assert "cleanup.policy" in text and "compact" in text
    finally:
        admin.close()
