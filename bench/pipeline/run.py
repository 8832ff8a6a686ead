"""Pipeline benchmark: items topic → processor → deliver, capacity and latency.

First a capacity phase: a backlog of items produced flat out, timed until
both consumer groups (processor stages, deliver) have committed everything:
the sustained items/s of the whole pipeline. Then, for each offered load
(items/s), RSS-sized FR/EN items (fetch time = now) for a fixed time, and
the fetch → delivered latency of every alert, stamped when its line appears
in the file channel's output. Beside each load, in the same run and on the
same broker: a bare kafka-python produce → aiokafka consume round trip.
Ingest is benchmarked on its own (``bench.ingest.polls``): its fetching and
parsing are per feed, not per item.

Run: ``.venv/bin/python -m bench.pipeline.run [--rates 100,500,1000] [--seconds 10] [--backlog 20000]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from kafka import KafkaProducer

from bench.harness import drained, percentile, private_broker, start_service, wait_for
from bench.matching.corpus import big_watchlist, spelling_count
from bench.stream.processor import loadable, make_items, stage_topics
from wirewatch.records import NewsItem
from wirewatch.settings import Settings
from wirewatch.topics import Topics, ensure_topics

CHANNELS = """version: 1
default: [archive]
channels:
  - name: archive
    type: file
    path: alerts.jsonl
"""


#: Fetch time written into prepared items, replaced by the real one as each is sent.
_SENTINEL = datetime(2000, 1, 1, tzinfo=UTC)


def offer(bootstrap: str, topic: str, items: list[NewsItem], rate: int, tag: str) -> float:
    """Produce ``items`` at ``rate`` items/s (0: flat out), fetched now, ids tagged; returns seconds.

    Items are serialised before the clock starts and only their time stamp is
    replaced while sending, so the benchmark's own producer stays light on the
    two cores the pipeline runs on.
    """
    stamp = _SENTINEL.isoformat().replace("+00:00", "Z").encode()
    prepared = []
    for item in items:
        stamped = item.model_copy(
            update={"id": f"{item.id}-{tag}", "fetched_at": _SENTINEL, "published_at": _SENTINEL}
        )
        value = stamped.to_bytes()
        assert stamp in value, "the time stamp format changed"
        prepared.append((stamped.id.encode(), value))
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    start = time.perf_counter()
    for n, (key, value) in enumerate(prepared):
        pause = start + n / rate - time.perf_counter() if rate else 0
        if pause > 0:
            time.sleep(pause)
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z").encode()
        producer.send(topic, key=key, value=value.replace(stamp, now))
    producer.flush(60)
    producer.close()
    return time.perf_counter() - start


async def bare_round_trip(bootstrap: str, topic: str, rate: int, count: int) -> tuple[float, list[float]]:
    """kafka-python produce → aiokafka consume of ``count`` records at ``rate``: (items/s, latencies)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="latest", group_id=None)
    await consumer.start()
    await consumer.seek_to_end()
    loop = asyncio.get_running_loop()
    payload = json.dumps({"pad": "x" * 400})
    task = loop.run_in_executor(None, _bare_produce, bootstrap, topic, rate, count, payload)
    latencies: list[float] = []
    start = time.perf_counter()
    try:
        while len(latencies) < count:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                now = time.time()
                latencies.extend(now - float(r.key.decode()) for r in records)
    finally:
        await task
        await consumer.stop()
    return count / (time.perf_counter() - start), latencies


def _bare_produce(bootstrap: str, topic: str, rate: int, count: int, payload: str) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    start = time.perf_counter()
    for n in range(count):
        pause = start + n / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        producer.send(topic, key=repr(time.time()).encode(), value=payload.encode())
    producer.flush(60)
    producer.close()


class AlertClock:
    """Tails the file channel's output and stamps each alert line with the time it appeared.

    Latency of an alert = when its line appeared − the newest fetch time of
    its items (the report that made it), like deliver's own histogram but
    exact rather than a bucket bound.
    """

    def __init__(self, path: Path):
        self.path = path
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self.path.exists() and not self._stop.wait(0.01):
            pass
        with open(self.path, encoding="utf-8") as f:
            partial = ""
            while not self._stop.is_set():
                chunk = f.read()
                if not chunk:
                    time.sleep(0.01)
                    continue
                now = time.time()
                lines = (partial + chunk).split("\n")
                partial = lines.pop()
                for line in filter(None, lines):
                    alert = json.loads(line)
                    fetched = [
                        datetime.fromisoformat(i["fetched_at"]) for i in alert["items"] if i.get("fetched_at")
                    ]
                    if alert.get("kind") == "surge":
                        fetched = [datetime.fromisoformat(alert["last_seen"])]
                    if fetched:
                        self.latencies.append(now - max(fetched).timestamp())

    def take(self) -> list[float]:
        """The latencies seen since the last call."""
        taken, self.latencies = self.latencies, []
        return taken

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="100,500,1000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backlog", type=int, default=20_000, help="items of the capacity phase")
    parser.add_argument("--workers", type=int, default=1, help="processor workers (one consumer group)")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]

    watchlist = loadable(big_watchlist())
    places = [r.name for r in watchlist.regions[-2000:]]
    pool = make_items(max(max(rates) * args.seconds, args.backlog), places, 60)
    rows = []
    with private_broker() as (bootstrap, tmp):
        settings = Settings(
            kafka_bootstrap=bootstrap, topic_prefix="pipe", partitions=3, data_dir=tmp / "var"
        )
        topics = Topics.from_settings(settings)
        ensure_topics(bootstrap, settings)
        wl_file, channels = tmp / "watchlist.yaml", tmp / "channels.yaml"
        wl_file.write_text(json.dumps(watchlist.model_dump(exclude_none=True)))
        channels.write_text(CHANNELS)
        env = {
            "WIREWATCH_KAFKA_BOOTSTRAP": bootstrap,
            "WIREWATCH_TOPIC_PREFIX": "pipe",
            "WIREWATCH_PARTITIONS": "3",
            "WIREWATCH_DATA_DIR": str(tmp / "var"),
            "WIREWATCH_WATCHLIST": str(wl_file),
            "WIREWATCH_CHANNELS": str(channels),
        }
        workers = [
            start_service(
                ["process"],
                {**env, "WIREWATCH_DATA_DIR": str(tmp / f"worker{n}")},
                tmp / f"process{n}.log",
                "WIREWATCH_PROCESS_METRICS_PORT",
            )
            for n in range(args.workers)
        ]
        deliver = start_service(["deliver"], env, tmp / "deliver.log", "WIREWATCH_DELIVER_METRICS_PORT")
        clock = AlertClock(tmp / "var" / "alerts.jsonl")
        try:
            groups = [
                (topics.processor_group, stage_topics(topics)),
                (topics.deliver_group, [topics.alerts]),
            ]
            done = lambda: all(drained(bootstrap, settings, g, t) for g, t in groups)  # noqa: E731
            ready = lambda: all(w.metric("wirewatch_watchlist_info") > 0 for w in workers)  # noqa: E731
            assert wait_for(ready, 180), (tmp / "process0.log").read_text()[-2000:]
            # Capacity: a backlog produced as fast as the producer goes, drained through deliver.
            start = time.perf_counter()
            offer(bootstrap, topics.items, pool[: args.backlog], 0, "backlog")
            assert wait_for(done, 1800, every_s=0.25), "the pipeline did not drain"
            capacity = args.backlog / (time.perf_counter() - start)
            clock.take()
            for rate in rates:
                count = rate * args.seconds
                bare_rate, bare = asyncio.run(bare_round_trip(bootstrap, f"pipe.bare.{rate}", rate, count))
                start = time.perf_counter()
                offer(bootstrap, topics.items, pool[:count], rate, str(rate))
                assert wait_for(done, 1800, every_s=0.25), "the pipeline did not drain"
                drained_s = time.perf_counter() - start
                time.sleep(0.5)  # the last alert lines
                lat = clock.take()
                rows.append((rate, bare_rate, bare, count / drained_s, lat))
            rss = ([w.rss_mb() for w in workers], deliver.rss_mb())
        finally:
            clock.stop()
            for w in workers:
                w.stop()
            deliver.stop()

    print(
        f"## Pipeline benchmark (items topic → processor → deliver; {spelling_count(watchlist)} spellings, "
        f"60-word items, {args.seconds} s per load, {args.workers} processor worker(s))\n"
    )
    print(
        f"Capacity: a backlog of {args.backlog:,} items drained through deliver "
        f"at **{capacity:,.0f} items/s**.\n"
    )
    print(
        "| offered items/s | bare round trip items/s | bare p50 / p99 | pipeline items/s (offer → drained) "
        "| fetch → delivered p50 / p99 | alerts delivered |"
    )
    print("|---|---|---|---|---|---|")
    ms = lambda values, q: f"{percentile(values, q) * 1000:.0f}"  # noqa: E731
    for rate, bare_rate, bare, through, lat in rows:
        print(
            f"| {rate} | {bare_rate:,.0f} | {ms(bare, 50)} / {ms(bare, 99)} ms | {through:,.0f} "
            f"| {ms(lat, 50)} / {ms(lat, 99)} ms | {len(lat)} |"
        )
    processors = " + ".join(f"{mb:.0f}" for mb in rss[0])
    print(
        f"\nResident memory after the run (process trees): processor(s) {processors} MB, "
        f"deliver {rss[1]:.0f} MB."
    )


if __name__ == "__main__":
    main()
