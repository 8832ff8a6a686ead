"""Feeds that misbehave over real HTTP: each is counted and retried, none stops the others.

The service runs in-process against the local feed server, with its real
SQLite state and an in-memory publisher (the broker path is covered by
test_ingest_to_kafka and test_ingest_kill).
"""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from ingest.fetch import Fetcher
from ingest.metrics import IngestMetrics
from ingest.publish import MemoryPublisher
from ingest.service import IngestService, PollResult
from ingest.state import IngestState

FEEDS = Path(__file__).resolve().parent / "feeds"


class Harness:
    def __init__(self, server, config, state_file: Path) -> None:
        self.server = server
        self.config = config
        self.registry = CollectorRegistry()
        self.publisher = MemoryPublisher()
        self.state = IngestState(state_file)
        self.fetcher = Fetcher(config.limits)
        self.service = IngestService(
            config, self.fetcher, self.state, self.publisher, IngestMetrics.create(self.registry)
        )

    async def poll(self, feed_id: str) -> PollResult:
        return await self.service.poll(next(f for f in self.config.feeds if f.id == feed_id))

    async def poll_peak(self, feed_id: str) -> tuple[PollResult, int]:
        """Poll, and report the peak of Python memory allocated meanwhile (all threads)."""
        tracemalloc.start()
        try:
            result = await self.poll(feed_id)
            return result, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    def count(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0

    def titles(self) -> list[str]:
        return [r.item.title for r in self.publisher.records]

    async def close(self) -> None:
        await self.fetcher.aclose()
        self.state.close()


@pytest.fixture
async def harness(feed_server, make_feeds, tmp_path):
    made: list[Harness] = []

    def build(urls: dict[str, str], **limits: object) -> Harness:
        made.append(Harness(feed_server, make_feeds(urls, **limits), tmp_path / "state.sqlite3"))
        return made[-1]

    yield build
    for h in made:
        await h.close()


async def test_a_malformed_feed_keeps_its_parsed_entries_and_counts_the_error(feed_server, harness) -> None:
    h = harness({"broken": feed_server.add_file("malformed.xml")})
    result = await h.poll("broken")
    assert result.outcome == "ok" and result.published == 2
    assert h.titles() == ["First item parses & the ampersand is bare", "Second item after the damage"]
    assert h.count("wirewatch_feed_parse_errors_total", feed="broken") == 1


async def test_a_20_mb_body_is_cut_off_at_the_cap_not_loaded(feed_server, harness) -> None:
    url = feed_server.add("/huge.xml", stream_bytes=20 * 1024 * 1024)
    h = harness({"huge": url, "fine": feed_server.add_file("atom-en.xml")})
    result, peak = await h.poll_peak("huge")
    assert result.outcome == "too_large"
    assert peak < 15 * 1024 * 1024  # the 10 MB cap plus change; never the 20 MB body
    assert h.count("wirewatch_feed_fetches_total", feed="huge", outcome="too_large") == 1
    assert (await h.poll("fine")).outcome == "ok"


async def test_a_small_cap_applies_to_the_declared_length_and_to_gzip(feed_server, harness) -> None:
    body = (FEEDS / "rss2-fr.xml").read_bytes()
    declared = feed_server.add("/declared.xml", body=body)
    zipped = feed_server.add(
        "/zipped.xml", body=gzip.compress(b" " * 5_000_000 + body), headers={"Content-Encoding": "gzip"}
    )
    h = harness({"declared": declared, "zipped": zipped}, max_bytes=1024)
    assert (await h.poll("declared")).outcome == "too_large"
    assert (await h.poll("zipped")).outcome == "too_large"


async def test_a_server_that_stalls_times_out_and_others_go_on(feed_server, harness) -> None:
    silent = feed_server.add("/silent.xml", body=b"<rss/>", stall_s=30)
    body = (FEEDS / "atom-en.xml").read_bytes()
    dribble = feed_server.add("/dribble.xml", body=body, stall_after_bytes=100)
    fine = feed_server.add_file("rdf-fr.xml")
    h = harness({"silent": silent, "dribble": dribble, "fine": fine}, read_timeout=0.5, total_timeout=3)
    results = await asyncio.gather(h.poll("silent"), h.poll("dribble"), h.poll("fine"))
    assert [r.outcome for r in results] == ["timeout", "timeout", "ok"]
    assert h.count("wirewatch_feed_fetches_total", feed="silent", outcome="timeout") == 1
    assert h.service.failures == {"silent": 1, "dribble": 1, "fine": 0}


async def test_a_redirect_loop_is_cut_and_a_move_is_followed(feed_server, harness) -> None:
    feed_server.add("/loop-a", redirect_to="/loop-b")
    feed_server.add("/loop-b", redirect_to=feed_server.url("/loop-a"))
    feed_server.add_file("atom-en.xml", "/new.xml")
    feed_server.add("/old.xml", redirect_to="/new.xml")
    h = harness({"loop": feed_server.url("/loop-a"), "moved": feed_server.url("/old.xml")}, max_redirects=4)
    assert (await h.poll("loop")).outcome == "redirect"
    assert len(feed_server.hits("/loop-a")) + len(feed_server.hits("/loop-b")) == 5
    moved = await h.poll("moved")
    assert moved.outcome == "ok" and moved.published == 3


async def test_a_500_then_recovery_publishes_once(feed_server, harness) -> None:
    url = feed_server.add_file("rdf-fr.xml", statuses=[500, 500])
    h = harness({"flaky": url})
    assert [(await h.poll("flaky")).outcome for _ in range(3)] == ["http_5xx", "http_5xx", "ok"]
    assert h.titles() == [
        "Coordination américano-russe envisagée en Syrie",
        "Moscou répond aux demandes du Pentagone",
    ]
    assert h.count("wirewatch_feed_fetches_total", feed="flaky", outcome="http_5xx") == 2
    assert h.count("wirewatch_feed_consecutive_failures", feed="flaky") == 0
    assert (await h.poll("flaky")).outcome == "not_modified"
    assert len(h.publisher.records) == 2


async def test_retry_after_is_honoured(feed_server, harness) -> None:
    url = feed_server.add_file("rdf-fr.xml", statuses=[429], headers={"Retry-After": "600"})
    h = harness({"busy": url})
    result = await h.poll("busy")
    assert result.outcome == "rate_limited" and result.retry_after == 600
    feed = h.config.feeds[0]
    assert h.service.delay_after(feed, result) >= 600


async def test_billion_laughs_over_http_neither_expands_nor_stops_the_loop(feed_server, harness) -> None:
    h = harness(
        {"lol": feed_server.add_file("billion-laughs.xml"), "fine": feed_server.add_file("bom-en.xml")}
    )
    result, peak = await h.poll_peak("lol")
    assert peak < 10 * 1024 * 1024
    assert result.outcome == "ok"
    assert h.count("wirewatch_feed_parse_errors_total", feed="lol") == 1
    assert all("lollol" not in r.item.title + r.item.summary for r in h.publisher.records)
    assert (await h.poll("fine")).outcome == "ok"


async def test_xxe_over_http_reads_no_local_file(feed_server, harness, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("XXE-SECRET-51c2e")
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>\n'
        '<rss version="2.0"><channel><title>t &xxe;</title>'
        "<item><title>leak &xxe;</title><link>http://w.example/x</link><description>&xxe;</description></item>"
        "</channel></rss>"
    ).encode()
    h = harness({"xxe": feed_server.add("/xxe.xml", body=body)})
    await h.poll("xxe")
    assert h.count("wirewatch_feed_parse_errors_total", feed="xxe") == 1
    assert h.publisher.records, "the entry itself is kept, without the entity"
    assert all("XXE-SECRET" not in r.item.model_dump_json() for r in h.publisher.records)


async def test_the_loop_survives_every_fault_at_once(feed_server, harness) -> None:
    """All broken feeds together, under the real scheduler: the good feed keeps being polled."""
    feed_server.add("/loop", redirect_to="/loop")
    urls = {
        "good": feed_server.add_file("atom-en.xml"),
        "error": feed_server.add("/err.xml", statuses=[500] * 100),
        "garbage": feed_server.add("/garbage.xml", body=b"\x00\xff not xml at all", content_type="text/html"),
        "loop": feed_server.url("/loop"),
        "refused": "http://127.0.0.1:9/feed.xml",
        "stall": feed_server.add("/stall.xml", stall_s=30),
    }
    h = harness(urls, read_timeout=0.3, total_timeout=1, interval=0.1, backoff_max=0.2)
    stop = asyncio.Event()
    runner = asyncio.create_task(h.service.run(stop))
    while len(feed_server.hits("/atom-en.xml")) < 4:
        await asyncio.sleep(0.05)
    stop.set()
    assert await asyncio.wait_for(runner, 30) == 0
    assert len(h.publisher.records) == 3
    for fid, kind in [
        ("error", "http_5xx"),
        ("garbage", "bad_body"),
        ("loop", "redirect"),
        ("refused", "connect"),
    ]:
        assert h.count("wirewatch_feed_fetches_total", feed=fid, outcome=kind) >= 1, fid
        assert h.service.failures[fid] >= 1
    assert h.service.failures["good"] == 0
