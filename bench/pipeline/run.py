"""Pipeline benchmark: items topic → processor → deliver, at fixed offered loads.

For each offered load (items/s) it produces RSS-sized FR/EN items (fetch time
= now) for a fixed time, waits until both consumer groups have drained, and
reports the sustained rate and the fetch → delivered latency (p50/p99, from
deliver's own histogram, read before and after). Beside it, in the same run
and on the same broker: a bare kafka-python produce → aiokafka consume round
trip at the same offered loads. Ingest is benchmarked on its own
(``bench.ingest.polls``): its fetching and parsing are per feed, not per item.

Run: ``.venv/bin/python -m bench.pipeline.run [--rates 100,500,1000] [--seconds 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
import urllib.request
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer
from kafka import KafkaProducer

from alerts.service import group_id as deliver_group
from bench.harness import Service, drained, percentile, private_broker, start_service, wait_for
from bench.matching.corpus import big_watchlist, spelling_count
from bench.stream.processor import loadable, make_items, stage_topics
from processors.stream.app import group_id as processor_group
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


def histogram(service: Service, name: str) -> dict[float, float]:
    """Cumulative bucket counts of histogram ``name`` summed over its label sets."""
    with urllib.request.urlopen(f"http://127.0.0.1:{service.metrics_port}/metrics", timeout=5) as r:
        text = r.read().decode()
    buckets: dict[float, float] = {}
    for le, value in re.findall(rf'^{name}_bucket\{{.*?le="([^"]+)".*?\}} (\S+)$', text, re.M):
        bound = float("inf") if le == "+Inf" else float(le)
        buckets[bound] = buckets.get(bound, 0.0) + float(value)
    return buckets


def quantile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """Upper bound of the bucket holding the q-quantile of the observations between two reads."""
    delta = sorted((b, after.get(b, 0.0) - before.get(b, 0.0)) for b in after)
    total = delta[-1][1] if delta else 0.0
    if total <= 0:
        return float("nan")
    for bound, count in delta:
        if count >= q * total:
            return bound
    return float("inf")


def offer(bootstrap: str, topic: str, items: list[NewsItem], rate: int) -> float:
    """Produce ``items`` at ``rate`` items/s, stamping each fetch time now; returns seconds taken."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    start = time.perf_counter()
    for n, item in enumerate(items):
        pause = start + n / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        now = datetime.now(UTC)
        stamped = item.model_copy(update={"id": f"{item.id}-{rate}", "fetched_at": now, "published_at": now})
        producer.send(topic, key=stamped.id.encode(), value=stamped.to_bytes())
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="100,500,1000")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]

    watchlist = loadable(big_watchlist())
    places = [r.name for r in watchlist.regions[-2000:]]
    pool = make_items(max(rates) * args.seconds, places, 60)
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
        process = start_service(["process"], env, tmp / "process.log", "WIREWATCH_PROCESS_METRICS_PORT")
        deliver = start_service(["deliver"], env, tmp / "deliver.log", "WIREWATCH_DELIVER_METRICS_PORT")
        try:
            groups = [
                (processor_group(settings), stage_topics(topics)),
                (deliver_group(settings), [topics.alerts]),
            ]
            ready = lambda: process.metric("wirewatch_watchlist_info") > 0  # noqa: E731
            assert wait_for(ready, 180), (tmp / "process.log").read_text()[-2000:]
            for rate in rates:
                count = rate * args.seconds
                bare_rate, bare = asyncio.run(bare_round_trip(bootstrap, f"pipe.bare.{rate}", rate, count))
                before = histogram(deliver, "wirewatch_alert_fetch_to_delivered_seconds")
                start = time.perf_counter()
                offer(bootstrap, topics.items, pool[:count], rate)
                done = lambda: all(drained(bootstrap, settings, g, t) for g, t in groups)  # noqa: E731
                assert wait_for(done, 1800, every_s=0.5), "the pipeline did not drain"
                sustained = count / (time.perf_counter() - start)
                after = histogram(deliver, "wirewatch_alert_fetch_to_delivered_seconds")
                rows.append(
                    (
                        rate,
                        bare_rate,
                        percentile(bare, 50),
                        percentile(bare, 99),
                        sustained,
                        quantile(before, after, 0.5),
                        quantile(before, after, 0.99),
                        after.get(float("inf"), 0) - before.get(float("inf"), 0),
                    )
                )
            rss = (process.rss_mb(), deliver.rss_mb())
        finally:
            process.stop()
            deliver.stop()

    print(
        f"## Pipeline benchmark (items topic → processor → deliver; {spelling_count(watchlist)} spellings, "
        f"60-word items, {args.seconds} s per load)\n"
    )
    print(
        "| offered items/s | bare round trip items/s | bare p50 / p99 | pipeline sustained items/s | ratio "
        "| fetch → delivered p50 / p99 (bucket bound) | alerts delivered |"
    )
    print("|---|---|---|---|---|---|---|")
    for rate, bare_rate, b50, b99, sustained, p50, p99, alerts in rows:
        print(
            f"| {rate} | {bare_rate:,.0f} | {b50 * 1000:.0f} / {b99 * 1000:.0f} ms | {sustained:,.0f} "
            f"| {sustained / bare_rate:.2f} | ≤ {p50:g} s / ≤ {p99:g} s | {alerts:.0f} |"
        )
    print(f"\nResident memory after the run: processor {rss[0]:.0f} MB, deliver {rss[1]:.0f} MB.")


if __name__ == "__main__":
    main()
