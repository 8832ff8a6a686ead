"""Sustained polls/s and items/s: 500 feeds on a local server, half answering 304.

    .venv/bin/python -m bench.ingest.polls [--feeds 500] [--seconds 15] [--concurrency 20]

The feed server runs in its own process (one of the two cores). Baseline:
bare httpx GETs of the same URLs at the same concurrency, conditional where
an ETag is known, nothing parsed or published — the server-and-client
ceiling. Then the ingest service itself (``run_ingest``) with every feed due
every 0.5 s, so it runs flat out, publishing to a real Kafka broker
(``WIREWATCH_KAFKA_BOOTSTRAP``, else a local one started here), and once more
with an in-memory publisher to show what the broker costs. Each changing
feed gains 2 items per poll (20 items per body). Rates are measured after a
warm-up round, from the service's own metrics.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry

from bench.ingest.feedserver import FeedServerProcess
from ingest.config import Defaults, FeedConfig, FeedsConfig, Limits
from ingest.fetch import Fetcher
from ingest.metrics import IngestMetrics
from ingest.publish import MemoryPublisher
from ingest.service import IngestService, run_ingest
from ingest.state import IngestState
from wirewatch.settings import Settings


async def bare_fetch(urls: list[str], concurrency: int, seconds: float) -> float:
    """Polls/s of plain conditional GETs, the same URLs round after round."""
    etags: dict[str, str] = {}
    polls = 0
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:

        async def one(url: str) -> None:
            nonlocal polls
            async with gate:
                headers = {"If-None-Match": etags[url]} if url in etags else {}
                r = await client.get(url, headers=headers)
                if "etag" in r.headers:
                    etags[url] = r.headers["etag"]
                polls += 1

        await asyncio.gather(*(one(u) for u in urls))  # warm-up: learn the ETags
        polls, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            await asyncio.gather(*(one(u) for u in urls))
        return polls / (time.perf_counter() - started)


def config(urls: list[str], concurrency: int) -> FeedsConfig:
    return FeedsConfig(
        version=1,
        defaults=Defaults(interval=0.5),
        limits=Limits(concurrency=concurrency, per_host=concurrency),  # one local host stands for many
        feeds=[FeedConfig(id=f"feed-{n}", url=u, source="Bench") for n, u in enumerate(urls)],
    )


def totals(registry: CollectorRegistry) -> tuple[float, float]:
    polls = items = 0.0
    for metric in registry.collect():
        for s in metric.samples:
            if s.name == "wirewatch_feed_fetches_total":
                polls += s.value
            elif s.name == "wirewatch_ingest_items_total":
                items += s.value
    return polls, items


async def measure(run, registry: CollectorRegistry, feeds: int, seconds: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Start ``run(stop)``, wait for a full first round, then rate polls and items over ``seconds``."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(stop))
    while totals(registry)[0] < feeds:  # noqa: ASYNC110 (a metric, not an event, says when)
        await asyncio.sleep(0.1)
    p0, i0 = totals(registry)
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    p1, i1 = totals(registry)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    return (p1 - p0) / elapsed, (i1 - i0) / elapsed


async def with_memory(feeds: FeedsConfig, tmp: Path, seconds: float) -> tuple[float, float]:
    registry = CollectorRegistry()
    state = IngestState(tmp / "memory.sqlite3")

    async def run(stop: asyncio.Event) -> int:
        async with Fetcher(feeds.limits) as fetcher:
            service = IngestService(feeds, fetcher, state, MemoryPublisher(), IngestMetrics.create(registry))
            return await service.run(stop)

    try:
        return await measure(run, registry, len(feeds.feeds), seconds)
    finally:
        state.close()


async def with_kafka(feeds: FeedsConfig, bootstrap: str, tmp: Path, seconds: float) -> tuple[float, float]:
    registry = CollectorRegistry()
    settings = Settings(
        kafka_bootstrap=bootstrap, topic_prefix=f"bench-{uuid.uuid4().hex[:8]}", data_dir=tmp / "kafka-run"
    )

    async def run(stop: asyncio.Event) -> int:
        return await run_ingest(settings, feeds, stop, metrics=IngestMetrics.create(registry))

    return await measure(run, registry, len(feeds.feeds), seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--concurrency", type=int, default=20)
    args = ap.parse_args()

    broker = None
    bootstrap = os.environ.get("WIREWATCH_KAFKA_BOOTSTRAP")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not bootstrap:
            from wirewatch.broker import LocalBroker

            broker = LocalBroker(workdir=tmp / "broker", cache=Settings().cache, say=lambda m: None)
            bootstrap = broker.start()
        server = FeedServerProcess(args.feeds, static=args.feeds // 2)
        try:
            urls = [server.url(n) for n in range(args.feeds)]
            feeds = config(urls, args.concurrency)
            bare = asyncio.run(bare_fetch(urls, args.concurrency, args.seconds))
            server.stop()  # a fresh server: the changing feeds start again from item 0
            server = FeedServerProcess(args.feeds, static=args.feeds // 2)
            feeds = config([server.url(n) for n in range(args.feeds)], args.concurrency)
            kafka_polls, kafka_items = asyncio.run(with_kafka(feeds, bootstrap, tmp, args.seconds))
            memory_polls, memory_items = asyncio.run(with_memory(feeds, tmp, args.seconds))
        finally:
            server.stop()
            if broker is not None:
                broker.stop()

    static = args.feeds // 2
    print(
        f"{args.feeds} feeds on one local server ({static} answer 304, {args.feeds - static} gain 2 items "
        f"per poll), concurrency {args.concurrency}, {args.seconds:g} s per run, {os.cpu_count()} cores\n"
    )
    rows = [
        ("bare conditional GETs (baseline)", bare, None),
        ("`run_ingest` → Kafka (acks=all, idempotent, gzip)", kafka_polls, kafka_items),
        ("ingest service → in-memory publisher", memory_polls, memory_items),
    ]
    print("| run | polls / s | items / s | polls vs bare GETs |")
    print("|---|---:|---:|---:|")
    for name, polls, items in rows:
        shown = "–" if items is None else f"{items:,.0f}"
        print(f"| {name} | {polls:,.0f} | {shown} | {polls / bare:.2f}× |")


if __name__ == "__main__":
    main()
