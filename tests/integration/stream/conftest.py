"""Fixtures for the stream-processor tests: real faust workers against the real broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from wirewatch.processes import stop_process
from wirewatch.records import Alert, NewsItem
from wirewatch.settings import Settings
from wirewatch.topics import Topics

DATA = Path(__file__).parent / "data"
WATCHLIST = DATA / "watchlist.yaml"


@dataclass
class Worker:
    """One ``wirewatch process`` subprocess."""

    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        stop_process(self.proc)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


@dataclass
class Stream:
    """Produce items and read alerts on one test's topics."""

    settings: Settings
    tmp: Path
    workers: list[Worker] = field(default_factory=list)
    env_extra: dict[str, str] = field(default_factory=dict)

    @property
    def topics(self) -> Topics:
        return Topics.from_settings(self.settings)

    def start_worker(self, watchlist: Path = WATCHLIST) -> Worker:
        env = dict(os.environ)
        env.update(
            {
                "WIREWATCH_KAFKA_BOOTSTRAP": self.settings.kafka_bootstrap or "",
                "WIREWATCH_TOPIC_PREFIX": self.settings.topic_prefix,
                "WIREWATCH_PARTITIONS": str(self.settings.partitions),
                "WIREWATCH_DATA_DIR": str(self.tmp / f"worker{len(self.workers)}"),
                "WIREWATCH_PROCESS_METRICS_PORT": "0",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env_extra)
        log = self.tmp / f"worker{len(self.workers)}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "wirewatch", "process", "--watchlist", str(watchlist)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(proc, log)
        self.workers.append(worker)
        return worker

    def produce(self, items: list[NewsItem], raw: list[bytes] | None = None) -> None:
        producer = KafkaProducer(bootstrap_servers=self.settings.kafka_bootstrap, acks="all")
        for value in raw or []:
            producer.send(self.topics.items, key=b"poison", value=value)
        for item in items:
            producer.send(self.topics.items, key=item.id.encode(), value=item.to_bytes())
        producer.flush(30)
        producer.close()

    def read(
        self, topic: str, until: Callable[[list], bool], timeout_s: float = 60.0, required: bool = True
    ) -> list:
        """Every record on ``topic`` from the start, once ``until(records)`` holds.

        Fails the test when it does not hold in time, unless ``required`` is False.
        """
        consumer = KafkaConsumer(bootstrap_servers=self.settings.kafka_bootstrap, enable_auto_commit=False)
        parts = consumer.partitions_for_topic(topic) or {0}
        tps = [TopicPartition(topic, p) for p in parts]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: list = []
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                for batch in consumer.poll(timeout_ms=500).values():
                    records.extend(batch)
                if until(records):
                    return records
                dead = [w for w in self.workers if w.proc.poll() not in (None, -9)]
                if dead:
                    pytest.fail(
                        f"a worker exited with {dead[0].proc.returncode}:\n{dead[0].log.read_text()[-3000:]}"
                    )
        finally:
            consumer.close()
        if not required:
            return records
        logs = "\n".join(w.log.read_text()[-3000:] for w in self.workers)
        pytest.fail(f"condition not met on {topic} within {timeout_s:.0f} s; got {len(records)}\n{logs}")

    def alerts(
        self, until: Callable[[list[Alert]], bool], timeout_s: float = 60.0, required: bool = True
    ) -> list[Alert]:
        records = self.read(
            self.topics.alerts, lambda rs: until([Alert.from_bytes(r.value) for r in rs]), timeout_s, required
        )
        return [Alert.from_bytes(r.value) for r in records]


@pytest.fixture
def stream(kafka_settings: Settings, tmp_path: Path) -> Iterator[Stream]:
    s = Stream(settings=kafka_settings, tmp=tmp_path)
    yield s
    for worker in s.workers:
        worker.stop()


NOW = datetime.now(UTC).replace(microsecond=0)


def news(
    item_id: str,
    title: str,
    source: str = "AFP",
    lang: str = "fr",
    minutes_ago: float = 0,
    summary: str = "",
) -> NewsItem:
    """A NewsItem fetched ``minutes_ago`` (published a minute before that)."""
    fetched = NOW - timedelta(minutes=minutes_ago)
    return NewsItem(
        id=item_id,
        feed=source.lower(),
        source=source,
        url=f"https://example.org/{item_id}",
        title=title,
        summary=summary,
        lang=lang,  # type: ignore[arg-type]
        published_at=fetched - timedelta(minutes=1),
        fetched_at=fetched,
    )
