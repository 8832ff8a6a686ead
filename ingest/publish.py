"""Handing items to Kafka and waiting until the broker has them.

The poll loop calls ``publish`` once per feed poll with that feed's new and
updated items, and advances the feed's state only when it returns. The
producer is idempotent with acks=all, so the broker's own retries never
duplicate a record; the key is the item id, so one item always lands on one
partition, in order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from wirewatch.errors import BrokerError
from wirewatch.records import NewsItem
from wirewatch.settings import Settings


@dataclass(frozen=True)
class Outgoing:
    """An item to publish, with its content hash and revision (0 = first telling).

    Both travel as Kafka headers (``wirewatch-content-hash``,
    ``wirewatch-revision``) so the processor can tell an update from a duplicate.
    """

    item: NewsItem
    content_hash: str
    revision: int = 0

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            ("content-type", b"application/json"),
            ("wirewatch-content-hash", self.content_hash.encode()),
            ("wirewatch-revision", str(self.revision).encode()),
        ]


class Publisher(Protocol):
    """What the poll loop needs from a producer (a list in memory, in unit tests)."""

    async def publish(self, records: Sequence[Outgoing]) -> None:
        """Return once the broker acknowledged every record; raise ``BrokerError`` otherwise."""

    def close(self, timeout_s: float = 30.0) -> None:
        """Flush what is pending, then release connections."""


class KafkaPublisher:
    """kafka-python producer on the items topic: idempotent, acks=all, gzip, key = item id."""

    def __init__(self, settings: Settings, topic: str, ack_timeout_s: float = 90.0):
        from kafka import KafkaProducer
        from kafka.errors import KafkaError

        if not settings.kafka_bootstrap:
            raise BrokerError("no Kafka bootstrap configured (WIREWATCH_KAFKA_BOOTSTRAP)")
        self.topic = topic
        self.ack_timeout_s = ack_timeout_s
        try:
            self._producer = KafkaProducer(
                bootstrap_servers=settings.kafka_bootstrap,
                client_id="wirewatch-ingest",
                enable_idempotence=True,
                acks="all",
                compression_type="gzip",  # in the standard library; lz4/zstd need extra wheels
                linger_ms=10,
                max_block_ms=30_000,
                delivery_timeout_ms=int(ack_timeout_s * 1000) - 5_000,
                **settings.kafka_client_config(),
            )
        except KafkaError as exc:
            raise BrokerError(f"cannot connect to Kafka at {settings.kafka_bootstrap}: {exc}") from None
        # send() may block on metadata or a full buffer: keep that off the event loop,
        # and on one thread so records of one poll keep their order.
        self._sender = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ingest-send")

    def _send_all(self, records: Sequence[Outgoing]) -> list[Any]:
        return [
            self._producer.send(
                self.topic, key=r.item.id.encode(), value=r.item.to_bytes(), headers=r.headers()
            )
            for r in records
        ]

    async def publish(self, records: Sequence[Outgoing]) -> None:
        """Send ``records`` and wait for every acknowledgement (``BrokerError`` on any failure)."""
        if not records:
            return
        loop = asyncio.get_running_loop()
        try:
            sent = await loop.run_in_executor(self._sender, self._send_all, records)
            async with asyncio.timeout(self.ack_timeout_s):
                await asyncio.gather(*(_acked(f, loop) for f in sent))
        except TimeoutError:
            raise BrokerError(f"no acknowledgement from Kafka within {self.ack_timeout_s:g} s") from None
        except BrokerError:
            raise
        except Exception as exc:  # kafka-python raises KafkaError subclasses and a few plain ones
            raise BrokerError(f"publish to {self.topic} failed: {type(exc).__name__}: {exc}") from None

    def close(self, timeout_s: float = 30.0) -> None:
        """Flush pending records and close the producer (called once, at shutdown)."""
        try:
            self._producer.flush(timeout=timeout_s)
        finally:
            self._producer.close(timeout=timeout_s)
            self._sender.shutdown(wait=False)


def _acked(kafka_future: Any, loop: asyncio.AbstractEventLoop) -> asyncio.Future[Any]:
    """An asyncio future resolved by a kafka-python future's callbacks (run on its I/O thread)."""
    done: asyncio.Future[Any] = loop.create_future()

    def settle(value: Any, failed: bool) -> None:
        if done.done():
            return
        if failed:
            done.set_exception(value if isinstance(value, BaseException) else BrokerError(str(value)))
        else:
            done.set_result(value)

    kafka_future.add_callback(lambda meta: loop.call_soon_threadsafe(settle, meta, False))
    kafka_future.add_errback(lambda exc: loop.call_soon_threadsafe(settle, exc, True))
    return done


class MemoryPublisher:
    """Keeps published records in a list; for dry runs, benchmarks and tests.

    ``fail_next`` makes the next ``publish`` raise ``BrokerError``, as a broker outage would.
    """

    def __init__(self) -> None:
        self.records: list[Outgoing] = []
        self.fail_next = False

    async def publish(self, records: Sequence[Outgoing]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise BrokerError("simulated broker outage")
        self.records.extend(records)

    def close(self, timeout_s: float = 30.0) -> None:
        pass
