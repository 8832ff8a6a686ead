"""Ingest fixtures: a real local HTTP feed server, and a reader of the real items topic.

The feed server (``tests.support.feeds.FeedHost``) serves the saved feed files
of ``feeds/`` with ETag and Last-Modified (and answers 304 to a matching
conditional GET), and can be told, per path, to fail with given statuses
first, stall, redirect, or stream a huge body.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from ingest.config import Defaults, FeedConfig, FeedsConfig, Limits
from ingest.metrics import IngestMetrics
from ingest.service import run_ingest
from tests.support.feeds import FeedHost
from wirewatch.records import NewsItem
from wirewatch.settings import Settings
from wirewatch.topics import Topics

FEEDS_DIR = Path(__file__).resolve().parent / "feeds"

#: The saved feeds every format test serves, with the number of items each must give.
FIXTURE_FEEDS = {
    "rss2-fr.xml": 4,
    "atom-en.xml": 3,
    "rdf-fr.xml": 2,
    "latin1-fr.xml": 2,
    "bom-en.xml": 2,
}


@pytest.fixture
def feed_server() -> Iterator[FeedHost]:
    server = FeedHost(files=FEEDS_DIR)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def fixture_feeds() -> dict[str, int]:
    """Saved feed file name → number of items it must give."""
    return dict(FIXTURE_FEEDS)


@pytest.fixture
def make_feeds():  # type: ignore[no-untyped-def]
    """``make_feeds({"id": url, ...}, **limits)`` → a ``FeedsConfig`` with test timeouts."""
    return feeds_config


@pytest.fixture
def topic_records():  # type: ignore[no-untyped-def]
    """``topic_records(bootstrap, topic)`` → every record on the topic, from the beginning."""
    return read_topic


def feeds_config(urls: dict[str, str], interval: float = 300, **limits: object) -> FeedsConfig:
    """A feed list with one feed per ``id → url``, short timeouts for tests."""
    defaults: dict[str, object] = {"connect_timeout": 2, "read_timeout": 2, "total_timeout": 10}
    return FeedsConfig(
        version=1,
        defaults=Defaults(interval=interval),
        limits=Limits(**{**defaults, **limits}),  # type: ignore[arg-type]
        feeds=[FeedConfig(id=fid, url=url, source=fid.upper()) for fid, url in urls.items()],
    )


def read_topic(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list:
    """Every record on ``topic`` right now, from the beginning, all partitions."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records: list = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {topic} to its end in {timeout_s} s")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


@dataclass
class IngestRig:
    """Runs ``run_ingest`` against the session broker and reads what landed on the topic."""

    settings: Settings
    server: FeedHost

    async def once(
        self, urls: dict[str, str], registry: CollectorRegistry | None = None, **limits: object
    ) -> int:
        metrics = IngestMetrics.create(registry or CollectorRegistry())
        config = feeds_config(urls, **limits)
        return await run_ingest(self.settings, config, asyncio.Event(), once=True, metrics=metrics)

    def items(self) -> list[tuple[bytes, NewsItem, dict[str, bytes]]]:
        """(key, item, headers) of every record on the items topic."""
        records = read_topic(self.settings.kafka_bootstrap or "", Topics.from_settings(self.settings).items)
        return [(r.key, NewsItem.from_bytes(r.value), dict(r.headers)) for r in records]

    def serve_fixtures(self) -> dict[str, str]:
        """Serve every saved fixture feed; returns feed id → URL."""
        urls = {}
        for name in FIXTURE_FEEDS:
            # The Latin-1 feed comes without a charset: its XML declaration must be believed.
            ctype = "application/xml" if name.startswith("latin1") else "application/rss+xml; charset=utf-8"
            urls[name.removesuffix(".xml")] = self.server.add_file(name, f"/feeds/{name}", content_type=ctype)
        return urls


@pytest.fixture
def ingest_rig(kafka_settings: Settings, feed_server: FeedHost) -> IngestRig:
    return IngestRig(kafka_settings, feed_server)
