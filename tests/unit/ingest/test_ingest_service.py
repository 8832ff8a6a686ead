"""The poll loop with its I/O swapped: MockTransport feeds, in-memory state and publisher."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from prometheus_client import CollectorRegistry

from ingest.config import FeedConfig, FeedsConfig, Limits
from ingest.fetch import Fetcher
from ingest.metrics import IngestMetrics
from ingest.publish import MemoryPublisher
from ingest.service import IngestService
from ingest.state import IngestState


def rss(*items: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>http://wire.example{path}</link><description>{d}</description></item>"
        for path, t, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>{body}</channel></rss>'.encode()


FR = ("/fr/1", "Frappes russes sur Idleb", "Les frappes aériennes ont visé la province dans la nuit.")
EN = ("/en/1", "Strikes on Idlib", "Russian jets struck the province during the night, the monitor said.")


@dataclass
class Site:
    """Feeds served by MockTransport, with ETags, a request log and switchable failures."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path in self.status:
            return httpx.Response(self.status[path])
        body = self.bodies[path]
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(200, content=_chunks(body), headers={"ETag": etag})

    def sent_etag(self, path: str) -> list[str | None]:
        return [r.headers.get("if-none-match") for r in self.requests if r.url.path == path]


async def _chunks(body: bytes) -> Iterator[bytes]:  # type: ignore[misc]
    yield body


@dataclass
class Rig:
    site: Site
    feeds: FeedsConfig
    state: IngestState
    publisher: MemoryPublisher
    registry: CollectorRegistry
    service: IngestService

    def feed(self, feed_id: str) -> FeedConfig:
        return next(f for f in self.feeds.feeds if f.id == feed_id)

    async def poll(self, feed_id: str):
        return await self.service.poll(self.feed(feed_id))

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0

    def published(self) -> list[str]:
        return [r.item.title for r in self.publisher.records]


@pytest.fixture
async def rig():
    site = Site({"/fr.xml": rss(FR), "/en.xml": rss(EN)})
    feeds = FeedsConfig(
        version=1,
        limits=Limits(max_updates=2, seen_max=100),
        feeds=[
            FeedConfig(id="fr", url="http://wire.example/fr.xml", source="Wire FR"),
            FeedConfig(id="en", url="http://wire.example/en.xml", source="Wire EN", interval=0.05),
        ],
    )
    state = IngestState(None, feeds.limits.seen_max, feeds.limits.max_updates)
    registry = CollectorRegistry()
    publisher = MemoryPublisher()
    async with Fetcher(feeds.limits, transport=httpx.MockTransport(site.handler)) as fetcher:
        service = IngestService(feeds, fetcher, state, publisher, IngestMetrics.create(registry))
        yield Rig(site, feeds, state, publisher, registry, service)
    state.close()


async def test_new_items_are_published_once_then_304_publishes_nothing(rig: Rig) -> None:
    first = await rig.poll("fr")
    assert first.outcome == "ok" and first.published == 1
    second = await rig.poll("fr")
    assert second.outcome == "not_modified" and second.published == 0
    assert rig.published() == [FR[1]]
    assert rig.site.sent_etag("/fr.xml")[0] is None and rig.site.sent_etag("/fr.xml")[1] is not None
    out = rig.publisher.records[0]
    assert out.item.feed == "fr" and out.item.source == "Wire FR" and out.item.lang == "fr"
    assert out.revision == 0 and dict(out.headers())["wirewatch-revision"] == b"0"
    assert rig.metric("wirewatch_feed_fetches_total", feed="fr", outcome="ok") == 1
    assert rig.metric("wirewatch_feed_fetches_total", feed="fr", outcome="not_modified") == 1
    assert rig.metric("wirewatch_ingest_items_total", feed="fr", lang="fr") == 1
    assert rig.metric("wirewatch_feed_last_success_timestamp_seconds", feed="fr") > 0
    assert rig.metric("wirewatch_feed_bytes_total", feed="fr") == len(rig.site.bodies["/fr.xml"])
    assert rig.metric("wirewatch_ingest_seen_ids") == 1


async def test_a_changed_feed_publishes_only_its_new_items(rig: Rig) -> None:
    await rig.poll("fr")
    extra = ("/fr/2", "Alep : positions de Daech pilonnées", "Les positions de Daech ont été pilonnées.")
    rig.site.bodies["/fr.xml"] = rss(extra, FR)
    result = await rig.poll("fr")
    assert result.published == 1 and rig.published() == [FR[1], extra[1]]


async def test_a_failed_publish_advances_nothing_and_the_next_poll_retries(rig: Rig) -> None:
    rig.publisher.fail_next = True
    failed = await rig.poll("fr")
    assert failed.outcome == "publish" and rig.published() == []
    assert rig.state.validators("fr", rig.feed("fr").url).etag is None
    assert len(rig.state) == 0
    retried = await rig.poll("fr")
    assert retried.outcome == "ok" and rig.published() == [FR[1]]
    assert rig.site.sent_etag("/fr.xml") == [None, None]  # refetched in full, not 304
    assert rig.metric("wirewatch_feed_fetches_total", feed="fr", outcome="publish") == 1
    assert rig.metric("wirewatch_feed_consecutive_failures", feed="fr") == 0


async def test_an_item_edited_in_place_is_republished_with_its_id_up_to_the_cap(rig: Rig) -> None:
    await rig.poll("fr")
    for n in range(1, 5):
        rig.site.bodies["/fr.xml"] = rss((FR[0], FR[1], f"{FR[2]} Mise à jour {n}."))
        await rig.poll("fr")
    records = rig.publisher.records
    assert [r.revision for r in records] == [0, 1, 2]  # max_updates=2: later edits are not told
    assert len({r.item.id for r in records}) == 1
    assert len({r.content_hash for r in records}) == 3
    assert rig.metric("wirewatch_ingest_item_updates_total", feed="fr") == 2
    assert rig.metric("wirewatch_ingest_items_total", feed="fr", lang="fr") == 1


async def test_the_same_story_in_two_feeds_is_published_once(rig: Rig) -> None:
    rig.site.bodies["/en.xml"] = rss(FR, EN)
    await rig.poll("fr")
    await rig.poll("en")
    assert sorted(rig.published()) == sorted([FR[1], EN[1]])


async def test_failures_are_counted_and_back_off_then_recover(rig: Rig) -> None:
    rig.site.status["/fr.xml"] = 500
    for _ in range(3):
        assert (await rig.poll("fr")).outcome == "http_5xx"
    assert rig.service.failures["fr"] == 3
    assert rig.metric("wirewatch_feed_consecutive_failures", feed="fr") == 3
    assert rig.metric("wirewatch_feed_last_success_timestamp_seconds", feed="fr") == 0
    interval = rig.feeds.interval_of(rig.feed("fr"))
    assert rig.service.delay_after(rig.feed("fr"), await rig.poll("fr")) > interval
    del rig.site.status["/fr.xml"]
    recovered = await rig.poll("fr")
    assert recovered.outcome == "ok" and rig.published() == [FR[1]]
    assert rig.service.delay_after(rig.feed("fr"), recovered) == interval
    assert rig.metric("wirewatch_feed_fetches_total", feed="fr", outcome="http_5xx") == 4


async def test_an_unusable_body_counts_a_parse_error(rig: Rig) -> None:
    rig.site.bodies["/fr.xml"] = b"<html><body>maintenance</body></html>"
    assert (await rig.poll("fr")).outcome == "bad_body"
    assert rig.metric("wirewatch_feed_parse_errors_total", feed="fr") == 1


async def test_a_malformed_feed_publishes_what_parsed_and_counts_the_error(rig: Rig) -> None:
    rig.site.bodies["/fr.xml"] = rss(FR).replace(b"</channel></rss>", b"<item><title>x &")
    result = await rig.poll("fr")
    assert result.outcome == "ok" and FR[1] in rig.published()
    assert rig.metric("wirewatch_feed_parse_errors_total", feed="fr") == 1


async def test_once_returns_1_when_any_feed_fails(rig: Rig) -> None:
    assert await rig.service.run(asyncio.Event(), once=True) == 0
    rig.site.status["/en.xml"] = 404
    assert await rig.service.run(asyncio.Event(), once=True) == 1


async def test_the_loop_polls_each_feed_on_its_interval_until_stopped(rig: Rig) -> None:
    stop = asyncio.Event()
    runner = asyncio.create_task(rig.service.run(stop))
    while len(rig.site.sent_etag("/en.xml")) < 3:  # "en" polls every 0.05 s
        await asyncio.sleep(0.01)
    assert len(rig.site.sent_etag("/fr.xml")) == 1  # "fr" polls every 5 min
    stop.set()
    assert await asyncio.wait_for(runner, 10) == 0
    assert sorted(rig.published()) == sorted([FR[1], EN[1]])


async def test_the_seen_set_stays_bounded_and_forgets_the_oldest(rig: Rig) -> None:
    many = [(f"/fr/{n}", f"Titre {n}", "texte") for n in range(150)]
    rig.site.bodies["/fr.xml"] = rss(*many)
    await rig.poll("fr")
    assert len(rig.publisher.records) == 150
    assert len(rig.state) == 100


class SlowPublisher(MemoryPublisher):
    """Holds every publication until ``release`` is set, like a broker slow to acknowledge."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def publish(self, records) -> None:  # type: ignore[no-untyped-def]
        await self.release.wait()
        await super().publish(records)


async def test_a_story_being_published_by_one_feed_is_left_to_it_by_another(rig: Rig) -> None:
    rig.site.bodies["/en.xml"] = rss(FR, EN)
    slow = rig.service.publisher = rig.publisher = SlowPublisher()
    first = asyncio.create_task(rig.poll("fr"))
    while not rig.service._inflight:
        await asyncio.sleep(0.01)
    second = asyncio.create_task(rig.poll("en"))
    await asyncio.sleep(0.05)
    slow.release.set()
    await asyncio.gather(first, second)
    assert sorted(rig.published()) == sorted([FR[1], EN[1]])
    # "en" left FR to "fr" and kept its old validators, so its next poll is a full fetch
    # that finds everything known: nothing is published twice, nothing skipped for good.
    assert rig.state.validators("en", rig.feed("en").url).etag is None
    assert (await rig.poll("en")).published == 0
    assert rig.state.validators("en", rig.feed("en").url).etag is not None
    assert sorted(rig.published()) == sorted([FR[1], EN[1]])
