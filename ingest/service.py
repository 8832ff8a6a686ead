"""The poll loop: every feed on its own schedule, items to Kafka, state after acks.

``run_ingest`` is the entry point of ``wirewatch ingest`` and of the tests,
the end-to-end suite and the benchmarks. ``IngestService`` does the work with
its I/O handed in (fetcher, state, publisher, metrics), so it can be driven
by an httpx ``MockTransport`` and an in-memory publisher as well.

One poll of a feed: conditional GET → parse → keep items that are new (or
edited in place, see ``ingest.state.Novelty``) → publish and wait for the
acknowledgements → commit validators and seen-set. A failure at any step
leaves the state as it was, so the next poll fetches the same items again;
duplicates are possible after a crash, losses are not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections.abc import Awaitable
from dataclasses import dataclass

import httpx
from prometheus_client import REGISTRY

from ingest.config import FeedConfig, FeedsConfig
from ingest.fetch import Fetcher, Validators, next_delay
from ingest.metrics import SUCCESS, IngestMetrics
from ingest.parse import FeedSource, parse_feed
from ingest.publish import Publisher
from ingest.state import IngestState, state_path
from ingest.triage import Batch, triage
from wirewatch.errors import BrokerError, FeedError, RetryLater
from wirewatch.records import utcnow
from wirewatch.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed did: its outcome label, and items published."""

    feed: str
    outcome: str
    published: int = 0
    updated: int = 0
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCESS


class IngestService:
    """Polls the feeds of one ``FeedsConfig``; one per process."""

    def __init__(
        self,
        feeds: FeedsConfig,
        fetcher: Fetcher,
        state: IngestState,
        publisher: Publisher,
        metrics: IngestMetrics,
        rng: random.Random | None = None,
    ):
        self.feeds = feeds
        self.fetcher = fetcher
        self.state = state
        self.publisher = publisher
        self.metrics = metrics
        self.rng = rng or random.Random()
        self.failures: dict[str, int] = {f.id: 0 for f in feeds.feeds}
        self._inflight: set[str] = set()  # ids some feed is publishing right now
        self._committing: set[asyncio.Task[PollResult]] = set()
        self._moved_reported: set[str] = set()

    async def poll(self, feed: FeedConfig) -> PollResult:
        """Poll ``feed`` once; never raises for a feed's trouble (the outcome says it)."""
        try:
            result = await self._poll(feed)
        except FeedError as exc:
            result = PollResult(
                feed.id, exc.kind, retry_after=exc.delay if isinstance(exc, RetryLater) else None
            )
            log.warning("feed %s: %s: %s", feed.id, exc.kind, exc)
        except BrokerError as exc:
            result = PollResult(feed.id, "publish")
            log.warning("feed %s: items not acknowledged, will fetch again: %s", feed.id, exc)
        except Exception:
            result = PollResult(feed.id, "error")
            log.exception("feed %s: unexpected error", feed.id)
        self.metrics.fetched(feed.id, result.outcome, time.time())
        self.failures[feed.id] = 0 if result.ok else self.failures[feed.id] + 1
        self.metrics.failures_in_row.labels(feed.id).set(self.failures[feed.id])
        return result

    async def _poll(self, feed: FeedConfig) -> PollResult:
        fetched_at = utcnow()
        validators = self.state.validators(feed.id, feed.url)
        started = time.monotonic()
        try:
            fetched = await self.fetcher.fetch(feed.url, validators, self.feeds.max_bytes_of(feed))
        finally:  # failures too: a feed that stalls until its timeout should show here
            self.metrics.fetch_seconds.observe(time.monotonic() - started)
        self.metrics.bytes.labels(feed.id).inc(len(fetched.body))
        if fetched.moved_to and feed.id not in self._moved_reported:
            self._moved_reported.add(feed.id)
            log.warning("feed %s moved permanently to %s; update the feed list", feed.id, fetched.moved_to)
        if fetched.not_modified:
            if fetched.validators != validators:
                self.state.commit(feed.id, feed.url, fetched.validators, ())
            return PollResult(feed.id, "not_modified")
        source = FeedSource(feed.id, feed.source, feed.lang)
        try:
            parsed = await asyncio.to_thread(
                parse_feed, fetched.body, fetched.headers, source, fetched.url, fetched_at
            )
        except FeedError:
            self.metrics.parse_errors.labels(feed.id).inc()
            raise
        if parsed.error:
            self.metrics.parse_errors.labels(feed.id).inc()
            log.info("feed %s: %s (kept %d items)", feed.id, parsed.error, len(parsed.items))
        batch = triage(parsed.items, self.state, self._inflight)
        # Publishing and committing finish even if the service is told to stop meanwhile.
        task = asyncio.create_task(self._publish_and_commit(feed, batch, fetched.validators))
        self._committing.add(task)
        task.add_done_callback(self._committing.discard)
        return await asyncio.shield(task)

    async def _publish_and_commit(self, feed: FeedConfig, batch: Batch, validators: Validators) -> PollResult:
        ids = {o.item.id for o in batch.outgoing}
        self._inflight |= ids
        try:
            await self.publisher.publish(batch.outgoing)
        finally:
            self._inflight -= ids
        # Items another feed was publishing were left out: keep the old validators so the
        # next poll fetches them again instead of skipping them for good.
        self.state.commit(feed.id, feed.url, None if batch.deferred else validators, batch.records)
        for out in batch.outgoing:
            if out.revision == 0:
                self.metrics.items.labels(feed.id, out.item.lang or "unknown").inc()
            else:
                self.metrics.updates.labels(feed.id).inc()
        self.metrics.seen_ids.set(len(self.state))
        new = sum(o.revision == 0 for o in batch.outgoing)
        if batch.outgoing:
            log.info("feed %s: published %d new, %d updated", feed.id, new, len(batch.outgoing) - new)
        return PollResult(feed.id, "ok", published=new, updated=len(batch.outgoing) - new)

    def delay_after(self, feed: FeedConfig, result: PollResult) -> float:
        """Seconds until ``feed`` is polled again after ``result``."""
        return next_delay(
            self.feeds.interval_of(feed),
            self.failures[feed.id],
            self.feeds.limits.backoff_max,
            result.retry_after,
            self.rng,
        )

    async def _feed_loop(self, feed: FeedConfig, stop: asyncio.Event) -> None:
        while not stop.is_set():
            result = await self.poll(feed)
            await _until(stop, self.delay_after(feed, result))

    async def run(self, stop: asyncio.Event, once: bool = False) -> int:
        """Poll until ``stop`` is set (or each feed once with ``once``); returns the exit code.

        With ``once``: 0 if every feed succeeded, else 1. Stopping cancels
        fetches and waits, but lets publications finish and commit.
        """
        if once:
            polls = [self.poll(f) for f in self.feeds.feeds]
            results = await _unless_stopped(asyncio.gather(*polls), stop)
            await self.drain()
            if results is None:
                return 1
            failed = [r.feed for r in results if not r.ok]
            if failed:
                log.error("%d feed(s) failed: %s", len(failed), ", ".join(failed))
            return 1 if failed else 0
        tasks = [asyncio.create_task(self._feed_loop(f, stop), name=f"feed:{f.id}") for f in self.feeds.feeds]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.drain()
        return 0

    async def drain(self) -> None:
        """Wait for publications in flight to be acknowledged and committed."""
        while self._committing:
            await asyncio.gather(*self._committing, return_exceptions=True)


async def _until(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


async def _unless_stopped(work: Awaitable[list[PollResult]], stop: asyncio.Event) -> list[PollResult] | None:
    job = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({job, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if job.done():
        return job.result()
    job.cancel()
    await asyncio.gather(job, return_exceptions=True)
    return None


async def bridge_stop(
    stop: asyncio.Event | threading.Event,
) -> tuple[asyncio.Event, asyncio.Task[None] | None]:
    """An asyncio event set when ``stop`` is; a ``threading.Event`` is watched every 0.1 s."""
    if isinstance(stop, asyncio.Event):
        return stop, None
    bridged = asyncio.Event()

    async def watch() -> None:
        # A threading.Event cannot be awaited, and a thread blocked on it would outlive the loop.
        while not stop.is_set():  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        bridged.set()

    return bridged, asyncio.create_task(watch())


async def run_ingest(
    settings: Settings,
    feeds: FeedsConfig,
    stop: asyncio.Event | threading.Event,
    once: bool = False,
    metrics: IngestMetrics | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Run the ingest service until ``stop`` is set (or one round with ``once``); returns the exit code.

    Needs ``settings.kafka_bootstrap``; creates the topics if missing; keeps
    state in ``<data_dir>/ingest/``. ``metrics`` default to the global
    registry; ``transport`` replaces the network (tests). On stop, fetches
    in progress are dropped, publications in progress are acknowledged and
    committed, and the producer is flushed and closed.
    """
    from ingest.publish import KafkaPublisher
    from wirewatch.topics import Topics, ensure_topics

    bootstrap = settings.kafka_bootstrap
    if not bootstrap:
        raise BrokerError("WIREWATCH_KAFKA_BOOTSTRAP is not set: point it at Kafka, or run `wirewatch up`")
    await asyncio.to_thread(ensure_topics, bootstrap, settings)
    metrics = metrics or IngestMetrics.create(REGISTRY)
    async with contextlib.AsyncExitStack() as stack:
        stop_event, watcher = await bridge_stop(stop)
        if watcher is not None:
            stack.callback(watcher.cancel)
        publisher = await asyncio.to_thread(KafkaPublisher, settings, Topics.from_settings(settings).items)
        stack.push_async_callback(asyncio.to_thread, publisher.close)  # flush, then close
        state = IngestState(state_path(settings), feeds.limits.seen_max, feeds.limits.max_updates)
        stack.callback(state.close)
        fetcher = await stack.enter_async_context(Fetcher(feeds.limits, transport))
        metrics.seen_ids.set(len(state))
        log.info("ingesting %d feed(s) into %s (state: %s)", len(feeds.feeds), bootstrap, state.path)
        service = IngestService(feeds, fetcher, state, publisher, metrics)
        code = await service.run(stop_event, once=once)
    log.info("ingest stopped")
    return code
