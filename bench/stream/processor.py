"""Processor throughput and latency against a bare aiokafka consume, in one run.

1. A private broker; a 20,000-alias watchlist (bench.matching.corpus).
2. 10,000 items (500-word FR/EN articles) pre-filled on the items topic.
3. Baseline: a bare aiokafka consumer reads the same 10,000 records.
4. One ``wirewatch process`` worker drains the same topic: items/s between
   its first and its last processed item (from its own metrics).
5. Latency: items produced at a fixed offered load, each naming a watched
   place next to an air strike; per alert, alert record time − item fetch time.

Run: ``.venv/bin/python -m bench.stream.processor [--items 10000] [--rate 200]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from bench.harness import children, drained, percentile, private_broker, start_service, wait_for
from bench.matching.corpus import articles, big_watchlist, spelling_count
from wirewatch.records import Alert, NewsItem
from wirewatch.settings import Settings
from wirewatch.topics import Topics, ensure_topics
from wirewatch.watchlist import Watchlist, _fold


def loadable(watchlist: Watchlist) -> Watchlist:
    """Drop the spellings the watchlist file checks would refuse (a name or alias used twice)."""
    data = watchlist.model_dump(exclude_none=True)
    taken: set[str] = set()
    for section in ("actors", "regions"):
        kept = []
        for entry in data[section]:
            name = _fold(entry["name"])
            if name in taken:
                continue
            taken.add(name)
            aliases = []
            for alias in entry.get("aliases", []):
                folded = _fold(alias)
                if folded and folded not in taken:
                    taken.add(folded)
                    aliases.append(alias)
            kept.append({**entry, "aliases": aliases})
        data[section] = kept
    return Watchlist.model_validate(data)


def make_items(n: int, places: list[str], words: int) -> list[NewsItem]:
    """``n`` items cut from the matching benchmark's FR/EN articles: ``words`` words each.

    Wire items on RSS are a title and a summary (~60 words); 500 is a whole article.
    """
    texts = {lang: articles(lang, 200, places, seed=11) for lang in ("fr", "en")}
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        lang = "fr" if i % 2 else "en"
        tokens = texts[lang][i % 200].split()
        start = (i * 37) % max(1, len(tokens) - words)
        body = " ".join(tokens[start : start + words])
        out.append(
            NewsItem(
                id=f"bench-{i}",
                feed=f"feed-{i % 50}",
                source=f"Source {i % 50}",
                url=f"https://x.example/{i}",
                title=" ".join(body.split()[:12]),
                summary=body,
                lang=lang,
                published_at=now,
                fetched_at=now,
            )
        )
    return out


def produce(bootstrap: str, topic: str, items: list[NewsItem]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, compression_type="gzip")
    for item in items:
        producer.send(topic, key=item.id.encode(), value=item.to_bytes())
    producer.flush(60)
    producer.close()


async def bare_consume(bootstrap: str, topic: str, n: int) -> float:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    got, start = 0, time.perf_counter()
    try:
        while got < n:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=1000)).values():
                for r in records:
                    NewsItem.from_bytes(r.value)  # decode, as the processor does
                got += sum(1 for _ in records)
    finally:
        await consumer.stop()
    return n / (time.perf_counter() - start)


def latency_phase(bootstrap: str, topics: Topics, places: list[str], rate: int, seconds: int) -> list[float]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    rng = random.Random(3)
    start = time.perf_counter()
    sent = 0
    while sent < rate * seconds:
        due = start + sent / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        now = datetime.now(UTC)
        item = NewsItem(
            id=f"lat-{sent}",
            feed="lat",
            source=f"Outlet {sent}",
            title=f"Russian air strikes on {rng.choice(places)}",
            summary="",
            lang="en",
            published_at=now - timedelta(seconds=1),
            fetched_at=now,
        )
        producer.send(topics.items, key=item.id.encode(), value=item.to_bytes())
        sent += 1
    producer.flush(30)
    producer.close()
    time.sleep(5)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tps = [TopicPartition(topics.alerts, p) for p in consumer.partitions_for_topic(topics.alerts) or []]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    ends = consumer.end_offsets(tps)
    latencies = []
    while any(consumer.position(tp) < ends[tp] for tp in tps):
        for records in consumer.poll(timeout_ms=1000).values():
            for r in records:
                alert = Alert.from_bytes(r.value)
                fetched = [i.fetched_at for i in alert.items if i.id.startswith("lat-") and i.fetched_at]
                if fetched:
                    latencies.append(r.timestamp / 1000 - max(fetched).timestamp())
    consumer.close()
    return latencies


def cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """(user, system) CPU seconds used so far by ``pids`` (Linux /proc; a gone pid counts 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11]) / tick
        system += int(fields[12]) / tick
    return user, system


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / tick, sum(values) / tick


def messages_by_topic(bootstrap: str, prefix: str) -> dict[str, int]:
    """Records written so far on every topic whose name starts with ``prefix`` (end offsets)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        names = sorted(t for t in consumer.topics() if t.startswith(prefix))
        tps = [TopicPartition(t, p) for t in names for p in consumer.partitions_for_topic(t) or []]
        ends = consumer.end_offsets(tps)
    finally:
        consumer.close()
    counts: dict[str, int] = {}
    for tp, end in ends.items():
        counts[tp.topic] = counts.get(tp.topic, 0) + end
    return counts


def stage_topics(topics: Topics) -> list[str]:
    """Every topic the processor group consumes."""
    return [topics.items, topics.candidates, topics.mentions]


def assignments(bootstrap: str, group: str, topic: str) -> list[list[int]]:
    """The partitions of ``topic`` each member of ``group`` holds (empty while it cannot tell)."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        members = admin.describe_groups([group])[group].get("members") or []
        held = []
        for member in members:
            assignment = member.get("member_assignment") or {}
            for entry in assignment.get("assigned_partitions", []):
                if entry["topic"] == topic:
                    held.append(sorted(entry["partitions"]))
        return sorted(held)
    except Exception:  # a benchmark report, not a check: say nothing rather than fail
        return []
    finally:
        admin.close()


def scaling(args: argparse.Namespace) -> None:
    """``--workers N`` (or ``--partitions P``): N workers in one group; each one's partitions, items, CPU.

    The workers start first and the items are produced once every worker holds
    partitions, so no rebalance falls inside the timed drain.
    """
    watchlist = loadable(big_watchlist())
    places = [r.name for r in watchlist.regions[-2000:]]
    items = make_items(args.items, places, args.words)
    with private_broker() as (bootstrap, tmp):
        settings = Settings(
            kafka_bootstrap=bootstrap, topic_prefix="bench", partitions=args.partitions, data_dir=tmp / "var"
        )
        topics = Topics.from_settings(settings)
        ensure_topics(bootstrap, settings)
        wl_file = tmp / "watchlist.yaml"
        wl_file.write_text(json.dumps(watchlist.model_dump(exclude_none=True)))
        env = {
            "WIREWATCH_KAFKA_BOOTSTRAP": bootstrap,
            "WIREWATCH_TOPIC_PREFIX": "bench",
            "WIREWATCH_PARTITIONS": str(args.partitions),
        }
        workers = [
            start_service(
                ["process", "--watchlist", str(wl_file)],
                {**env, "WIREWATCH_DATA_DIR": str(tmp / f"worker{n}")},
                tmp / f"worker{n}.log",
                "WIREWATCH_PROCESS_METRICS_PORT",
            )
            for n in range(args.workers)
        ]
        group = topics.processor_group
        try:
            ready = lambda: all(w.metric("wirewatch_watchlist_info") > 0 for w in workers)  # noqa: E731
            assert wait_for(ready, 180), (tmp / "worker0.log").read_text()[-2000:]
            split = lambda: assignments(bootstrap, group, topics.items)  # noqa: E731
            assert wait_for(lambda: len([p for p in split() if p]) == args.workers, 180), split()
            time.sleep(3)  # the group settles
            held = split()
            pids = [[w.proc.pid, *children(w.proc.pid)] for w in workers]
            counts = lambda: [w.metric("wirewatch_processor_items_total") for w in workers]  # noqa: E731
            cpu0, n0 = [cpu_seconds(p) for p in pids], counts()
            t0 = time.perf_counter()
            produce(bootstrap, topics.items, items)
            assert wait_for(lambda: sum(counts()) - sum(n0) >= args.items, 900, every_s=0.1)
            assert wait_for(
                lambda: drained(bootstrap, settings, group, stage_topics(topics)), 900, every_s=0.5
            )
            wall = time.perf_counter() - t0
            cpu1, n1 = [cpu_seconds(p) for p in pids], counts()
            rss = [w.rss_mb() for w in workers]
        finally:
            for w in workers:
                w.stop()
        baseline = asyncio.run(bare_consume(bootstrap, topics.items, args.items))

    print(
        f"## Processor scaling ({args.workers} workers, one group, {args.partitions} partitions; "
        f"{args.items} items of {args.words} words; {os.cpu_count()} cores)\n"
    )
    print(f"Items partitions held by the group's members: {', '.join(map(str, held))}.\n")
    print("| worker | items handled | CPU while draining (share of one core) | RSS |")
    print("|---|---|---|---|")
    for n in range(args.workers):
        cpu = sum(cpu1[n]) - sum(cpu0[n])
        print(f"| {n} | {n1[n] - n0[n]:,.0f} | {cpu:.1f} s ({cpu / wall:.0%}) | {rss[n]:.0f} MB |")
    rate = args.items / wall
    print(
        f"\nAll workers, produce → every stage drained: **{rate:,.0f} items/s** "
        f"(bare consume of the same topic {baseline:,.0f} items/s, ratio {rate / baseline:.3f})."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=50, help="offered load of the latency phase, items/s")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--words", type=int, default=60, help="words per item (60 ≈ an RSS item)")
    parser.add_argument(
        "--workers", type=int, default=1, help="processor workers in one group (> 1: see scaling)"
    )
    parser.add_argument(
        "--partitions", type=int, default=3, help="partitions of every topic (with --workers)"
    )
    args = parser.parse_args()
    if args.workers > 1 or args.partitions != 3:
        scaling(args)
        return

    watchlist = loadable(big_watchlist())
    places = [r.name for r in watchlist.regions[-2000:]]
    items = make_items(args.items, places, args.words)
    with private_broker() as (bootstrap, tmp):
        settings = Settings(
            kafka_bootstrap=bootstrap, topic_prefix="bench", partitions=3, data_dir=tmp / "var"
        )
        topics = Topics.from_settings(settings)
        ensure_topics(bootstrap, settings)
        wl_file = tmp / "watchlist.yaml"
        wl_file.write_text(json.dumps(watchlist.model_dump(exclude_none=True)))  # JSON is YAML
        produce(bootstrap, topics.items, items)
        baseline = asyncio.run(bare_consume(bootstrap, topics.items, args.items))

        env = {
            "WIREWATCH_KAFKA_BOOTSTRAP": bootstrap,
            "WIREWATCH_TOPIC_PREFIX": "bench",
            "WIREWATCH_PARTITIONS": "3",
            "WIREWATCH_DATA_DIR": str(tmp / "var"),
        }
        worker = start_service(
            ["process", "--watchlist", str(wl_file)],
            env,
            tmp / "worker.log",
            "WIREWATCH_PROCESS_METRICS_PORT",
        )
        try:
            done = lambda: worker.metric("wirewatch_processor_items_total")  # noqa: E731
            assert wait_for(lambda: done() > 0, 120), (tmp / "worker.log").read_text()[-2000:]
            pids = [worker.proc.pid, *children(worker.proc.pid)]
            t0, n0, cpu0, busy0 = time.perf_counter(), done(), cpu_seconds(pids), machine_busy()
            assert wait_for(lambda: done() >= args.items, 900, every_s=0.1)
            first_stage = (args.items - n0) / (time.perf_counter() - t0)
            # The stories and surge stages drain their own topics after the first stage.
            group = topics.processor_group
            assert wait_for(
                lambda: drained(bootstrap, settings, group, stage_topics(topics)), 900, every_s=0.5
            )
            wall = time.perf_counter() - t0
            rate = (args.items - n0) / wall
            cpu1 = cpu_seconds(pids)
            worker_cpu, worker_sys = cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1], cpu1[1] - cpu0[1]
            busy1 = machine_busy()
            machine = (busy1[0] - busy0[0]) / max(1e-9, busy1[1] - busy0[1])
            rss_after_backlog = worker.rss_mb()
            written = messages_by_topic(bootstrap, "bench")
            latencies = latency_phase(bootstrap, topics, places, args.rate, args.seconds)
            rss = worker.rss_mb()
            if not latencies:
                print((tmp / "worker.log").read_text()[:6000])
        finally:
            worker.stop()

    print(
        f"## Processor benchmark ({args.items} items of {args.words} words, "
        f"{spelling_count(watchlist)} spellings)\n"
    )
    print("| measure | value |\n|---|---|")
    print(f"| bare aiokafka consume + decode (baseline) | {baseline:,.0f} items/s |")
    print(f"| processor, first stage only (decode, dedup, match, fan-out) | {first_stage:,.0f} items/s |")
    print(f"| processor worker, all stages drained (1 worker, 3 partitions) | {rate:,.0f} items/s |")
    print(f"| ratio processor / baseline | {rate / baseline:.3f} |")
    print(
        f"| worker CPU while draining: per item (of it system) / share of one core "
        f"| {1e6 * worker_cpu / (args.items - n0):.0f} µs ({1e6 * worker_sys / (args.items - n0):.0f} µs)"
        f" / {worker_cpu / wall:.0%} |"
    )
    print(f"| machine busy while draining ({os.cpu_count()} cores) | {machine:.0%} |")
    produced = {t.removeprefix("bench."): n for t, n in written.items() if t != topics.items and n}
    print(
        f"| records the worker wrote per item (changelogs, hand-offs, alerts) "
        f"| {sum(produced.values()) / args.items:.2f}: {produced} |"
    )
    print(
        f"| latency at {args.rate} items/s offered, fetch → alert emitted: p50 / p99 "
        f"| {percentile(latencies, 50) * 1000:.0f} ms / {percentile(latencies, 99) * 1000:.0f} ms "
        f"({len(latencies)} alerts) |"
    )
    print(
        "| `wirewatch process` RSS (supervisor + worker) after backlog / after latency phase "
        f"| {rss_after_backlog:.0f} MB / {rss:.0f} MB |"
    )


if __name__ == "__main__":
    main()
