"""The console's benchmark: projection speed, page and search latency, produce → browser, RSS.

``.venv/bin/python -m bench.console.run`` on a private broker, in one run:

(a) *projection*: ``--alerts`` alerts produced to a 3-partition alerts topic, then read twice
    from the beginning: a bare aiokafka consume (no group, every partition), and the console's
    ``Projector`` writing them into a fresh SQLite store; alerts/s of each and their ratio;
(b) *pages*: a store of ``--stored`` alerts written through the store's own ``apply`` (one
    transaction), served by a real ``wirewatch console`` process (uvicorn), asked over httpx
    with a logged-in session: the feed's first page, a deep page, searches; p50 / p95;
(c) *produce → browser*: with a live feed open (an httpx stream of ``/events``), one alert
    produced at a time; from the send to the event's arrival, p50 / p95 over ``--live``;
(d) the console process's resident memory (VmRSS, and its peak VmHWM) after (b) and (c).

Prints one JSON object and a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.harness import percentile, private_broker, rss_mb
from wirewatch.broker import free_port
from wirewatch.processes import stop_process
from wirewatch.records import Alert, AlertItem, Evidence
from wirewatch.settings import Settings
from wirewatch.topics import Topics, ensure_topics

T0 = datetime(2026, 12, 1, tzinfo=UTC)
PASSWORD = "bench password 1"
PLACES = ["Idlib", "Alep", "Hama", "Homs", "Deraa", "Raqqa", "Deir ez-Zor", "Lattaquié", "Tartous", "Palmyre"]
WORDS = ["frappes aériennes", "bombardements", "air strikes", "shelling", "drone strike", "tirs d'artillerie"]
SEVERITIES = ("low", "medium", "high", "critical")
WIREWATCH = (sys.executable, "-m", "wirewatch")


def make(n: int, revision: int = 0) -> Alert:
    """Alert ``n`` of a synthetic day: varied places, words, severities; every 4th story told twice."""
    place, words = PLACES[n % len(PLACES)], WORDS[n % len(WORDS)]
    when = T0 + timedelta(seconds=n * 7 + revision * 60)
    item = AlertItem(
        id=f"it-{n}-{revision}",
        title=f"{words.capitalize()} près de {place} ({n}, rapport {revision})",
        url=f"https://example.org/{n}/{revision}",
        source=("AFP", "Reuters", "SANA", "AP")[n % 4],
        lang=("fr", "en")[n % 2],
        published_at=when,
        fetched_at=when + timedelta(seconds=20),
    )
    return Alert(
        alert_id=f"al-{n}-{revision}",
        story_key=f"st-{n}",
        kind="escalation",
        rule="default",
        rules=["default"],
        severity=SEVERITIES[n % 4],
        actors=["Russia"] if n % 3 == 0 else [],
        regions=[place],
        escalations=["air strike"],
        evidence=[
            Evidence(entity=place, kind="region", alias=place, matched=place, score=100, item_id=item.id)
        ],
        items=[item],
        first_seen=T0 + timedelta(seconds=n * 7),
        last_seen=when,
        revision=revision,
        update_reason="new outlet" if revision else None,
    )


def corpus(count: int, start: int = 0) -> list[Alert]:
    alerts: list[Alert] = []
    n = start
    while len(alerts) < count:
        alerts.append(make(n))
        if n % 4 == 0 and len(alerts) < count:
            alerts.append(make(n, 1))
        n += 1
    return alerts


# -- (a) projection vs bare consume ---------------------------------------------------------


async def produce(bootstrap: str, topic: str, alerts: list[Alert]) -> None:
    from aiokafka import AIOKafkaProducer

    values = [(a.story_key.encode(), a.to_bytes()) for a in alerts]  # serialised before sending
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for key, value in values]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def bare_consume(bootstrap: str, topic: str, count: int, partitions: int) -> float:
    """Seconds for a bare aiokafka consumer (no group) to read ``count`` records from the start."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        started, seen = time.perf_counter(), 0
        while seen < count:
            fetched = await consumer.getmany(timeout_ms=500, max_records=500)
            seen += sum(len(batch) for batch in fetched.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def projection(bootstrap: str, topic: str, count: int, path: Path) -> float:
    """Seconds for the console's projector to store ``count`` revisions read from the start."""
    from console.projector import Hub, Projector
    from console.store import Store

    store = Store(path)
    projector = Projector(bootstrap=bootstrap, topic=topic, store=store, hub=Hub())
    started = time.perf_counter()
    task = asyncio.create_task(projector.run())
    try:
        while store.count() < count:  # noqa: ASYNC110 - the store has no event to await
            await asyncio.sleep(0.02)
        return time.perf_counter() - started
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        store.close()


# -- (b) a big store, a real console --------------------------------------------------------


def fill_store(path: Path, count: int) -> float:
    """Write ``count`` alerts through ``Store.apply`` (one transaction); returns the seconds taken."""
    from console.store import Incoming, Store

    values = [a.to_bytes() for a in corpus(count, start=1_000_000)]
    store = Store(path)
    started = time.perf_counter()
    store.apply([Incoming("bench.synthetic", 0, i, v) for i, v in enumerate(values)])
    took = time.perf_counter() - started
    store.close()
    return took


def start_console(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    add = subprocess.run(
        [*WIREWATCH, "console", "user", "add", "bench", "--role", "analyst", "--password-stdin", "--replace"],
        input=PASSWORD.encode(),
        env=env,
        capture_output=True,
        check=True,
    )
    assert add.returncode == 0
    out = open(log, "wb")  # noqa: SIM115 - the process writes it until stopped
    proc = subprocess.Popen([*WIREWATCH, "console"], env=env, stdout=subprocess.PIPE, stderr=out)
    assert proc.stdout is not None
    first = proc.stdout.readline().decode().strip()
    if not first.startswith("console: "):
        stop_process(proc)
        raise SystemExit(f"the console did not start: {first!r}; see {log}")
    return proc, first.removeprefix("console: ")


async def logged_in(url: str) -> httpx.AsyncClient:
    import re

    client = httpx.AsyncClient(base_url=url, timeout=30)
    form = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, "no CSRF field on /login"
    done = await client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token[1]}
    )
    assert done.status_code == 303, done.text[:300]
    return client


async def latencies(client: httpx.AsyncClient, path: str, times: int) -> dict[str, float]:
    took = []
    for _ in range(times):
        started = time.perf_counter()
        reply = await client.get(path)
        took.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, (path, reply.status_code)
    return {"p50_ms": percentile(took, 50), "p95_ms": percentile(took, 95)}


# -- (c) produce → browser ------------------------------------------------------------------


async def live(client: httpx.AsyncClient, bootstrap: str, topic: str, count: int) -> dict[str, float]:
    from aiokafka import AIOKafkaProducer

    arrived: dict[str, float] = {}
    connected = asyncio.Event()

    async def listen() -> None:
        async with client.stream("GET", "/events", timeout=None) as stream:
            async for line in stream.aiter_lines():
                if line.startswith(": connected"):
                    connected.set()
                if line.startswith("data: "):
                    data = json.loads(line.removeprefix("data: "))
                    if "alert_id" in data:
                        arrived.setdefault(data["alert_id"], time.perf_counter())

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(connected.wait(), 30)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    took = []
    try:
        for n in range(count):
            alert = make(5_000_000 + n)
            value = alert.to_bytes()
            sent = time.perf_counter()
            await producer.send_and_wait(topic, value, key=alert.story_key.encode())
            deadline = sent + 10
            while alert.alert_id not in arrived and time.perf_counter() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            if alert.alert_id in arrived:
                took.append((arrived[alert.alert_id] - sent) * 1000)
            await asyncio.sleep(0.1)
    finally:
        await producer.stop()
        listener.cancel()
    return {
        "p50_ms": percentile(took, 50),
        "p95_ms": percentile(took, 95),
        "received": len(took),
        "sent": count,
    }


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    }
    with private_broker() as (bootstrap, tmp):
        settings = Settings(kafka_bootstrap=bootstrap, topic_prefix="bench-a", partitions=3, data_dir=tmp)
        ensure_topics(bootstrap, settings)
        topic = Topics(settings.topic_prefix).alerts
        alerts = corpus(args.alerts)
        await produce(bootstrap, topic, alerts)
        bare_s = await bare_consume(bootstrap, topic, len(alerts), settings.partitions)
        projected_s = await projection(bootstrap, topic, len(alerts), tmp / "projection.db")
        result["projection"] = {
            "alerts": len(alerts),
            "bare_consume_per_s": round(len(alerts) / bare_s),
            "projector_per_s": round(len(alerts) / projected_s),
            "ratio": round(bare_s / projected_s, 3),
        }

        data_dir = tmp / "console-var"
        (data_dir / "console").mkdir(parents=True)
        fill_s = fill_store(data_dir / "console" / "console.db", args.stored)
        result["store"] = {"alerts": args.stored, "fill_s": round(fill_s, 1)}
        live_settings = Settings(
            kafka_bootstrap=bootstrap, topic_prefix="bench-b", partitions=3, data_dir=tmp
        )
        ensure_topics(bootstrap, live_settings)
        env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
        env.update(
            {
                "WIREWATCH_KAFKA_BOOTSTRAP": bootstrap,
                "WIREWATCH_TOPIC_PREFIX": "bench-b",
                "WIREWATCH_DATA_DIR": str(data_dir),
                "WIREWATCH_CONSOLE_PORT": "0",
                "WIREWATCH_CONSOLE_METRICS_PORT": str(free_port()),
                "WIREWATCH_CONSOLE_SECRET": "bench-secret-" + "x" * 20,
                "WIREWATCH_LOG_LEVEL": "WARNING",
            }
        )
        proc, url = start_console(env, tmp / "console.log")
        try:
            client = await logged_in(url)
            try:
                pages = {
                    "feed page 1": "/",
                    "feed page 200": "/?page=200",
                    "feed, severity=critical": "/?severity=critical",
                    "search 'frappes'": "/search?q=frappes",
                    "search 'Idleb' (canonical Idlib)": "/search?q=Idleb",
                    "search 'bombardements' + region": "/search?q=bombardements&region=Hama",
                }
                await latencies(client, "/", 3)  # warm the caches
                result["pages"] = {
                    name: await latencies(client, path, args.requests) for name, path in pages.items()
                }
                result["live"] = await live(client, bootstrap, Topics("bench-b").alerts, args.live)
            finally:
                await client.aclose()
            result["rss_mb"] = round(rss_mb(proc.pid), 1)
            result["rss_peak_mb"] = round(vm_hwm_mb(proc.pid), 1)
        finally:
            stop_process(proc)
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def table(result: dict[str, Any]) -> str:
    p = result["projection"]
    lines = [
        f"machine: {result['machine']['cores']} cores, load average before "
        f"{result['machine']['load_average_before']}, after {result['machine']['load_average_after']}",
        "",
        "| measure | value |",
        "|---|---|",
        f"| bare aiokafka consume ({p['alerts']:,} alerts) | {p['bare_consume_per_s']:,} alerts/s |",
        f"| console projection into SQLite | {p['projector_per_s']:,} alerts/s |",
        f"| projection / bare consume | {p['ratio']:.2f} |",
        f"| store filled with {result['store']['alerts']:,} alerts (one `apply`) "
        f"| {result['store']['fill_s']} s |",
    ]
    for name, value in result["pages"].items():
        lines.append(f"| {name} p50 / p95 | {value['p50_ms']:.1f} / {value['p95_ms']:.1f} ms |")
    lv = result["live"]
    lines.append(
        f"| produce → SSE client p50 / p95 ({lv['received']}/{lv['sent']}) | "
        f"{lv['p50_ms']:.1f} / {lv['p95_ms']:.1f} ms |"
    )
    lines.append(f"| console RSS now / peak | {result['rss_mb']} / {result['rss_peak_mb']} MB |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--alerts", type=int, default=20_000, help="alerts of the projection phase")
    parser.add_argument("--stored", type=int, default=100_000, help="alerts in the served store")
    parser.add_argument("--requests", type=int, default=50, help="requests per page measured")
    parser.add_argument("--live", type=int, default=50, help="alerts timed from produce to the browser")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    print(table(result))


if __name__ == "__main__":
    main()
