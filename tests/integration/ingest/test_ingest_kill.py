"""`wirewatch ingest` as a real process: SIGKILL mid-run loses nothing, SIGTERM stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from wirewatch.broker import free_port
from wirewatch.records import NewsItem
from wirewatch.settings import Settings
from wirewatch.topics import Topics

pytestmark = pytest.mark.faults

SLOW_FEEDS = 3
SLOW_ITEMS = 30


def slow_feed(n: int) -> bytes:
    items = "".join(
        f"<item><title>Dépêche {n}-{i} : frappes aériennes près d’Idleb</title>"
        f"<link>http://wire.example/slow/{n}/{i}</link>"
        f"<description>Les frappes de la nuit visent la province, selon l’Observatoire ({i}).</description>"
        "</item>"
        for i in range(SLOW_ITEMS)
    )
    channel = f"<channel><title>S{n}</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def write_feeds(path: Path, urls: dict[str, str]) -> Path:
    lines = ["version: 1", "defaults:", "  interval: 1s", "limits:", "  read_timeout: 10s", "feeds:"]
    for fid, url in urls.items():
        lines += [f"  - id: {fid}", f"    url: {url}", f"    source: {fid}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def env_for(settings: Settings, metrics_port: int = 0) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        WIREWATCH_KAFKA_BOOTSTRAP=settings.kafka_bootstrap or "",
        WIREWATCH_TOPIC_PREFIX=settings.topic_prefix,
        WIREWATCH_PARTITIONS=str(settings.partitions),
        WIREWATCH_DATA_DIR=str(settings.data_dir),
        WIREWATCH_INGEST_METRICS_PORT=str(metrics_port),
        PYTHONUNBUFFERED="1",
    )
    return env


def ingest(settings: Settings, feeds: Path, *args: str, metrics_port: int = 0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wirewatch", "ingest", "--feeds", str(feeds), *args],
        env=env_for(settings, metrics_port),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def distinct_by_feed(records: list) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in records:
        item = NewsItem.from_bytes(r.value)
        out.setdefault(item.feed, set()).add(item.id)
    return out


def serve_all(feed_server, fixture_feeds: dict[str, int]) -> tuple[dict[str, str], dict[str, int]]:
    urls = {name.removesuffix(".xml"): feed_server.add_file(name) for name in fixture_feeds}
    expected = {name.removesuffix(".xml"): count for name, count in fixture_feeds.items()}
    for n in range(SLOW_FEEDS):
        urls[f"slow-{n}"] = feed_server.add(f"/slow-{n}.xml", body=slow_feed(n), delay_s=1.5 + n)
        expected[f"slow-{n}"] = SLOW_ITEMS
    return urls, expected


def test_sigkill_mid_run_then_restart_loses_nothing_and_republishes_nothing(
    kafka_settings: Settings, feed_server, fixture_feeds, topic_records, tmp_path: Path
) -> None:
    urls, expected = serve_all(feed_server, fixture_feeds)
    feeds = write_feeds(tmp_path / "feeds.yaml", urls)
    topic = Topics.from_settings(kafka_settings).items
    bootstrap = kafka_settings.kafka_bootstrap or ""

    proc = ingest(kafka_settings, feeds)
    try:
        deadline = time.monotonic() + 60
        while not topic_records(bootstrap, topic):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "nothing published within 60 s"
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    before = distinct_by_feed(topic_records(bootstrap, topic))
    assert any(len(before.get(f, ())) < n for f, n in expected.items()), "killed too late to prove anything"

    restart = ingest(kafka_settings, feeds, "--once")
    _, err = restart.communicate(timeout=120)
    assert restart.returncode == 0, err
    records = topic_records(bootstrap, topic)
    assert {f: len(ids) for f, ids in distinct_by_feed(records).items()} == expected

    again = ingest(kafka_settings, feeds, "--once")
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert len(topic_records(bootstrap, topic)) == len(records)


def test_sigterm_stops_cleanly_with_exit_0_and_metrics_are_served(
    kafka_settings: Settings, feed_server, topic_records, tmp_path
) -> None:
    urls = {
        "fast": feed_server.add_file("atom-en.xml"),
        "stalled": feed_server.add("/stalled.xml", stall_s=60),
    }
    feeds = write_feeds(tmp_path / "feeds.yaml", urls)
    topic = Topics.from_settings(kafka_settings).items
    port = free_port()
    proc = ingest(kafka_settings, feeds, metrics_port=port)
    try:
        deadline = time.monotonic() + 60
        while len(topic_records(kafka_settings.kafka_bootstrap or "", topic)) < 3:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.2)
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "ingest stopped" in err and "Traceback" not in err
    assert 'wirewatch_ingest_items_total{feed="fast",lang="en"} 3.0' in metrics
    assert 'wirewatch_feed_last_success_timestamp_seconds{feed="fast"}' in metrics
