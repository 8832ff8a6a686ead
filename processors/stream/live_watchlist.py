"""The watchlist every worker matches with, followed live from the compacted topic.

Every worker reads the whole watchlist topic itself (no consumer group: each
worker needs every version, not a share of them). At start it adopts the
latest valid watchlist on the topic; only when the topic is empty does it
load the configured file and publish it (as the first version, with its
history record). A new version is validated and its engine built off the
event loop, then swapped in atomically; a broken one is logged, counted and
ignored, and the last good engine stays. Each adoption and refusal is told
to the worker's ``StatusReporter``, which publishes what the worker runs.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from processors.matching import Engine
from processors.stream.metrics import ProcessorMetrics
from processors.stream.worker_status import StatusReporter
from wirewatch.errors import ConfigError
from wirewatch.topics import Topics
from wirewatch.watchlist import Watchlist, load_watchlist
from wirewatch.watchlist_versions import WATCHLIST_KEY, WatchlistVersion, decode_version, new_version

log = logging.getLogger(__name__)

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"

#: Author of the version a worker publishes from its file when the watchlist topic is empty.
WORKER_AUTHOR = "wirewatch process"


@dataclass
class EngineHolder:
    """The current engine; ``ready`` is set once the first one is in place."""

    engine: Engine | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def swap(self, engine: Engine) -> None:
        self.engine = engine  # one reference assignment: agents see old or new, never half
        self.ready.set()

    async def get(self) -> Engine:
        """The current engine, waiting for the first one."""
        await self.ready.wait()
        assert self.engine is not None
        return self.engine


def decode_watchlist(value: bytes | None, where: str) -> Watchlist:
    """Parse a watchlist topic value (versioned record or bare YAML); raises ``ConfigError``."""
    return decode_version(value, where)[1]


#: Longest wait between two attempts to follow the watchlist topic.
MAX_RETRY_DELAY_S = 30.0


@dataclass
class WatchlistFollower:
    """Reads the watchlist topic from the start and keeps ``holder`` current."""

    bootstrap: str
    topics: Topics
    fallback: Path
    holder: EngineHolder
    metrics: ProcessorMetrics
    client_config: dict[str, object] = field(default_factory=dict)
    status: StatusReporter | None = None
    _version: str | None = None

    async def _adopt(self, record: WatchlistVersion, watchlist: Watchlist) -> None:
        if watchlist.content_hash == self._version:
            return
        loop = asyncio.get_running_loop()
        try:
            engine = await loop.run_in_executor(None, Engine.build, watchlist)  # off the hot path
        except Exception as exc:  # valid YAML the engine cannot build: keep the last good one
            if self._version is None:
                raise  # nothing to keep: the follower retries
            self.metrics.watchlist_reloads.labels("rejected").inc()
            log.error(
                "cannot build watchlist %s (keeping %s): %s", watchlist.content_hash, self._version, exc
            )
            if self.status is not None:
                self.status.refused(record.version, f"the engine could not be built: {exc}")
            return
        self.holder.swap(engine)
        if self._version is not None:
            self.metrics.watchlist_info.remove(self._version)
        self._version = engine.version
        self.metrics.watchlist_info.labels(engine.version).set(1)
        self.metrics.watchlist_reloads.labels("applied").inc()
        if self.status is not None:
            self.status.running(engine.version)
        log.info("matching with watchlist %s (by %s: %s)", engine.version, record.author, record.comment)

    def _parse(self, r: Record, report: bool = True) -> tuple[WatchlistVersion, Watchlist] | None:
        where = f"{self.topics.watchlist}@{r.offset}"
        try:
            return decode_version(r.value, where, r.timestamp)
        except ConfigError as exc:
            self.metrics.watchlist_reloads.labels("rejected").inc()
            detail = "; ".join(str(i) for i in exc.issues[:3])
            log.error("ignoring invalid watchlist at %s (keeping %s): %s", where, self._version, detail)
            if self.status is not None and report:
                self.status.refused(where, detail)
            return None

    async def run(self) -> None:
        """Catch up, adopt the latest valid version (or publish the file), then follow."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None, **self.client_config
        )
        await consumer.start()
        try:
            tp = TopicPartition(self.topics.watchlist, 0)
            consumer.assign([tp])
            await consumer.seek_to_beginning(tp)
            end = (await consumer.end_offsets([tp]))[tp]
            latest: tuple[WatchlistVersion, Watchlist] | None = None
            refused: list[Record] = []  # the invalid records after the latest valid one
            while await consumer.position(tp) < end:
                for records in (await consumer.getmany(tp, timeout_ms=1000)).values():
                    for r in records:
                        parsed = self._parse(r, report=False)
                        latest, refused = (parsed, []) if parsed else (latest, [*refused, r])
            if latest is None:
                latest = await self._from_file(publish=end == 0)
            await self._adopt(*latest)
            for r in refused:
                self._parse(r)  # counted twice, but told as what this worker refuses now
            while True:
                for records in (await consumer.getmany(tp, timeout_ms=1000)).values():
                    for r in records:
                        parsed = self._parse(r)
                        if parsed is not None:
                            await self._adopt(*parsed)
        finally:
            await consumer.stop()

    async def follow(self) -> None:
        """``run`` for the worker's lifetime: a failure is logged and retried with backoff.

        Takes no argument: faust passes the app to a task that takes one.
        """
        delay = 1.0
        while True:
            try:
                await self.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("watchlist follower failed; retrying in %.0f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY_S)

    async def _from_file(self, publish: bool) -> tuple[WatchlistVersion, Watchlist]:
        watchlist = load_watchlist(self.fallback)
        text = self.fallback.read_text(encoding="utf-8")
        log.info(
            "watchlist topic %s; using %s", "empty" if publish else "has no valid version", self.fallback
        )
        record = new_version(watchlist, text, WORKER_AUTHOR, f"first version, from {self.fallback}", None)
        if publish:
            value = record.to_bytes()
            await publish_watchlist(self.bootstrap, self.topics.watchlist, value, self.client_config)
            await publish_watchlist(
                self.bootstrap, self.topics.watchlist_history, value, self.client_config, key=record.version
            )
        return record, watchlist


async def publish_watchlist(
    bootstrap: str,
    topic: str,
    value: bytes,
    client_config: dict[str, object] | None = None,
    key: str | None = None,
) -> None:
    """Produce a watchlist topic ``value`` (a ``WatchlistVersion``, or bare YAML), acks=all.

    Under the single watchlist key unless ``key`` (the version, on the history topic).
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **(client_config or {}))
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=key.encode() if key else WATCHLIST_KEY, value=value)
    finally:
        await producer.stop()
