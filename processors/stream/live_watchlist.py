"""The watchlist every worker matches with, followed live from the compacted topic.

Every worker reads the whole watchlist topic itself (no consumer group: each
worker needs every version, not a share of them). At start it adopts the
latest valid watchlist on the topic; only when the topic is empty does it
load the configured file and publish it. A new version is validated and its
engine built off the event loop, then swapped in atomically; a broken one is
logged, counted and ignored, and the last good engine stays.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from processors.matching import Engine
from processors.stream.metrics import ProcessorMetrics
from wirewatch.errors import ConfigError, Issue
from wirewatch.watchlist import Watchlist, load_watchlist, parse_watchlist

log = logging.getLogger(__name__)

WATCHLIST_KEY = b"watchlist"


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
    """Parse a watchlist topic value (YAML text); raises ``ConfigError``."""
    if not value:
        raise ConfigError([Issue(where, None, "empty value")])
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([Issue(where, None, "not UTF-8 text")]) from None
    return parse_watchlist(text, where)


#: Longest wait between two attempts to follow the watchlist topic.
MAX_RETRY_DELAY_S = 30.0


@dataclass
class WatchlistFollower:
    """Reads the watchlist topic from the start and keeps ``holder`` current."""

    bootstrap: str
    topic: str
    fallback: Path
    holder: EngineHolder
    metrics: ProcessorMetrics
    client_config: dict[str, object] = field(default_factory=dict)
    _version: str | None = None

    async def _adopt(self, watchlist: Watchlist) -> None:
        if watchlist.content_hash == self._version:
            return
        loop = asyncio.get_running_loop()
        engine = await loop.run_in_executor(None, Engine.build, watchlist)  # off the hot path
        self.holder.swap(engine)
        if self._version is not None:
            self.metrics.watchlist_info.remove(self._version)
        self._version = engine.version
        self.metrics.watchlist_info.labels(engine.version).set(1)
        self.metrics.watchlist_reloads.labels("applied").inc()
        log.info("matching with watchlist %s", engine.version)

    def _parse(self, value: bytes | None, where: str) -> Watchlist | None:
        try:
            return decode_watchlist(value, where)
        except ConfigError as exc:
            self.metrics.watchlist_reloads.labels("rejected").inc()
            detail = "; ".join(str(i) for i in exc.issues[:3])
            log.error("ignoring invalid watchlist at %s (keeping %s): %s", where, self._version, detail)
            return None

    async def run(self) -> None:
        """Catch up, adopt the latest valid version (or publish the file), then follow."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None, **self.client_config
        )
        await consumer.start()
        try:
            tp = TopicPartition(self.topic, 0)
            consumer.assign([tp])
            await consumer.seek_to_beginning(tp)
            end = (await consumer.end_offsets([tp]))[tp]
            latest: Watchlist | None = None
            while await consumer.position(tp) < end:
                for records in (await consumer.getmany(tp, timeout_ms=1000)).values():
                    for r in records:
                        latest = self._parse(r.value, f"{self.topic}@{r.offset}") or latest
            if latest is None:
                latest = await self._from_file(publish=end == 0)
            await self._adopt(latest)
            while True:
                for records in (await consumer.getmany(tp, timeout_ms=1000)).values():
                    for r in records:
                        wl = self._parse(r.value, f"{self.topic}@{r.offset}")
                        if wl is not None:
                            await self._adopt(wl)
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

    async def _from_file(self, publish: bool) -> Watchlist:
        watchlist = load_watchlist(self.fallback)
        log.info(
            "watchlist topic %s; using %s", "empty" if publish else "has no valid version", self.fallback
        )
        if publish:
            await publish_watchlist(
                self.bootstrap, self.topic, self.fallback.read_bytes(), self.client_config
            )
        return watchlist


async def publish_watchlist(
    bootstrap: str, topic: str, text: bytes, client_config: dict[str, object] | None = None
) -> None:
    """Produce watchlist YAML ``text`` under the single watchlist key, acks=all."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **(client_config or {}))
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=WATCHLIST_KEY, value=text)
    finally:
        await producer.stop()
