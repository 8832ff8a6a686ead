"""Delivery costs: rendering per alert, the lane + ledger per delivery, and Slack folding.

    .venv/bin/python -m bench.alerts.delivery [--alerts 2000] [--burst 100] [--rounds 3]

1. Rendering: what each channel builds per alert (Slack Block Kit JSON,
   email subject + text + HTML as a MIME message, signed webhook JSON),
   against the baseline ``Alert.to_bytes()`` (the wire JSON). Best of rounds.
2. Lane + ledger: alerts through a ``Lane`` to an in-memory channel that
   accepts everything, with the real SQLite ledger (on disk, WAL) and
   metrics, against the baseline of calling ``channel.send`` in a loop.
   This is the bookkeeping that makes delivery exactly-once.
3. Folding: a burst of alerts to a real ``SlackChannel`` posting to a local
   HTTP server, paced at one message per 20 ms (1 s in production, scaled
   down to keep the run short), with folding against without.

No Kafka: the broker's share is measured by the e2e suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from alerts.channels.base import Channel, ChannelOptions, Delivery
from alerts.channels.email import EmailChannel, EmailOptions
from alerts.channels.slack import SlackChannel, SlackOptions
from alerts.channels.webhook import payload, sign
from alerts.config import RetryPolicy
from alerts.lanes import Closing, Job, Lane, Sender
from alerts.ledger import Ledger
from alerts.metrics import AlertsMetrics
from alerts.render import email as email_render
from alerts.render import slack as slack_render
from alerts.samples import sample_alert
from alerts.service import LedgerSettler
from alerts.throttle import RateLimiter
from wirewatch.records import Alert


def best(fn: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def rendering(alerts: list[Alert], rounds: int) -> list[tuple[str, float]]:
    mail = EmailChannel(
        EmailOptions(name="m", type="email", sender="w@example.org", recipients=["a@example.org"]),
        "localhost",
    )

    def wire() -> None:
        for a in alerts:
            a.to_bytes()

    def slack() -> None:
        for a in alerts:
            json.dumps(slack_render.alert_payload(a), ensure_ascii=False).encode()

    def email() -> None:
        for a in alerts:
            mail._message(
                email_render.subject(a), email_render.text_body(a), email_render.html_body(a), [a.alert_id]
            ).as_bytes()

    def webhook() -> None:
        for a in alerts:
            body = json.dumps(payload([a], "h", "alert"), separators=(",", ":")).encode()
            sign(b"key", 1_700_000_000, body)

    n = len(alerts)
    return [
        (name, best(fn, rounds) / n)
        for name, fn in (("wire JSON", wire), ("slack", slack), ("email", email), ("webhook", webhook))
    ]


class Accepting(Channel):
    type = "accepting"

    async def send(self, alert: Alert) -> Delivery:
        return Delivery.sent(self.name)

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        return Delivery.sent(self.name)


async def _bare(alerts: list[Alert]) -> None:
    channel = Accepting(ChannelOptions(name="c", type="accepting"))
    for a in alerts:
        await channel.send(a)


async def _through_lane(alerts: list[Alert], ledger: Ledger) -> None:
    metrics = AlertsMetrics.create(CollectorRegistry())
    closing = Closing()
    settler = LedgerSettler(ledger, None, metrics)  # type: ignore[arg-type]  # nothing is dead-lettered
    lane = Lane(
        Accepting(ChannelOptions(name="c", type="accepting")),
        Sender(RetryPolicy(), RateLimiter(), settler, metrics, closing),
    )
    done = asyncio.Event()
    left = [len(alerts)]

    def settle() -> None:
        left[0] -= 1
        if not left[0]:
            done.set()

    task = asyncio.create_task(lane.run())
    for a in alerts:
        lane.put(Job(a, settle, time.monotonic()))
    await done.wait()
    closing.event.set()
    lane.wake()
    await task


def lanes(alerts: list[Alert], rounds: int) -> tuple[float, float]:
    t_bare = best(lambda: asyncio.run(_bare(alerts)), rounds)
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1000))

        def run() -> None:
            ledger = Ledger(Path(tmp) / f"ledger-{next(counter)}.sqlite3")
            try:
                asyncio.run(_through_lane(alerts, ledger))
            finally:
                ledger.close()

        t_lane = best(run, rounds)
    return t_bare / len(alerts), t_lane / len(alerts)


class _Sink(BaseHTTPRequestHandler):
    posts = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).posts += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


async def _burst(alerts: list[Alert], url: str, folds: bool) -> float:
    options = SlackOptions(name="s", type="slack", webhook_url_env="X", min_interval=0.02)
    channel = SlackChannel(options, SecretStr(url))
    channel.folds = folds  # type: ignore[misc]
    metrics = AlertsMetrics.create(CollectorRegistry())
    closing = Closing()
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(Path(tmp) / "l.sqlite3")
        settler = LedgerSettler(ledger, None, metrics)  # type: ignore[arg-type]
        lane = Lane(channel, Sender(RetryPolicy(), RateLimiter(), settler, metrics, closing))
        done, left = asyncio.Event(), [len(alerts)]

        def settle() -> None:
            left[0] -= 1
            if not left[0]:
                done.set()

        started = time.perf_counter()
        task = asyncio.create_task(lane.run())
        for a in alerts:
            lane.put(Job(a, settle, time.monotonic()))
        await done.wait()
        elapsed = time.perf_counter() - started
        closing.event.set()
        lane.wake()
        await task
        await channel.aclose()
        ledger.close()
    return elapsed


def folding(n: int) -> list[tuple[str, int, float]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    alerts = [sample_alert(k) for k in range(n)]
    rows = []
    try:
        for label, folds in (("one message per alert", False), ("folded (Wirewatch)", True)):
            _Sink.posts = 0
            elapsed = asyncio.run(_burst(alerts, url, folds))
            rows.append((label, _Sink.posts, elapsed))
    finally:
        server.shutdown()
        server.server_close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--alerts", type=int, default=2000)
    ap.add_argument("--burst", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    alerts = [sample_alert(k, items=5) for k in range(args.alerts)]

    print(f"## Rendering ({args.alerts} alerts, 5 items each, best of {args.rounds})\n")
    print("| rendering | µs / alert | × wire JSON |\n|---|---:|---:|")
    rows = rendering(alerts, args.rounds)
    base = rows[0][1]
    for name, per in rows:
        print(f"| {name} | {per * 1e6:.1f} | {per / base:.1f} |")

    bare, lane = lanes(alerts, args.rounds)
    print(f"\n## Lane + ledger ({args.alerts} deliveries, best of {args.rounds})\n")
    print("| path | µs / delivery | deliveries / s | × bare |\n|---|---:|---:|---:|")
    print(f"| bare `channel.send` loop | {bare * 1e6:.1f} | {1 / bare:,.0f} | 1.0 |")
    print(f"| lane + SQLite ledger + metrics | {lane * 1e6:.1f} | {1 / lane:,.0f} | {lane / bare:.1f} |")

    print(f"\n## Slack burst of {args.burst} alerts, paced at 1 message / 20 ms\n")
    print("| mode | messages | seconds | × folded |\n|---|---:|---:|---:|")
    fold_rows = folding(args.burst)
    folded_time = fold_rows[1][2]
    for label, posts, elapsed in fold_rows:
        print(f"| {label} | {posts} | {elapsed:.2f} | {elapsed / folded_time:.1f} |")


if __name__ == "__main__":
    main()
