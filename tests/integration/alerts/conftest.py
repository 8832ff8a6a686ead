"""Real local stand-ins for the delivery targets, and helpers to drive the delivery loop.

- ``HttpReceiver``: a threaded HTTP server (Slack or webhook receiver) that
  records every request and answers from a script: 200, 429 + Retry-After,
  500, 404… or hangs (never answers).
- ``SmtpReceiver``: a real aiosmtpd SMTP server that records messages and can
  answer 4xx/5xx or hang in DATA.
- ``SlackApi``: a stand-in for Slack's Web API (``chat.postMessage``,
  ``chat.update``, ``conversations.history``/``replies``) that slack_sdk's
  ``AsyncWebClient`` talks to; it keeps the conversation and answers from a
  script: ok, 429 ``ratelimited`` + Retry-After, a Slack error, or ``HANG``
  (the post is made, the answer never comes: a lost answer).
- ``produce``: alerts onto the test's alerts topic with kafka-python.
- ``delivering``: ``run_deliver`` as a task, stopped cleanly on exit.

A request or message that was never answered (hang) does not count as
accepted: only what the receiver acknowledged reached the "user".
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import logging
import subprocess
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from prometheus_client import CollectorRegistry

from alerts.config import ChannelsConfig, parse_channels
from alerts.metrics import AlertsMetrics
from alerts.service import run_deliver
from wirewatch.broker import free_port
from wirewatch.configfile import parse_yaml
from wirewatch.records import Alert
from wirewatch.settings import Settings
from wirewatch.topics import Topics

HANG = "hang"


@dataclass
class Received:
    """One request or message as the receiver saw it."""

    body: str
    headers: dict[str, str]
    at: float
    #: the status it answered, or None if it never answered (hung)
    status: int | None = None

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Script:
    """Answers in order, then ``default`` forever. An answer is a status code or ``HANG``."""

    default: int | str = 200
    queue: deque[int | str] = field(default_factory=deque)
    retry_after: str | None = None

    def next(self) -> int | str:
        return self.queue.popleft() if self.queue else self.default


class _Recorder:
    """What both receivers share: the script, the record, and the release of hung requests."""

    def __init__(self) -> None:
        self.script = Script()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.release = threading.Event()

    def answer(self, *answers: int | str, then: int | str = 200, retry_after: str | None = None) -> None:
        """Answer the next requests with ``answers``, then ``then`` forever."""
        with self.lock:
            self.script = Script(then, deque(answers), retry_after)
            if HANG not in answers and then != HANG:
                self.release.set()
            else:
                self.release.clear()

    def _take(self, body: str, headers: dict[str, str]) -> tuple[Received, int | str]:
        with self.lock:
            record = Received(body, headers, time.monotonic())
            self.received.append(record)
            return record, self.script.next()

    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.accepted]

    def hung(self) -> int:
        with self.lock:
            return sum(r.status is None for r in self.received)


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A server answering with ``handler`` on 127.0.0.1 and a free port, in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


class HttpReceiver(_Recorder):
    """A local HTTP endpoint standing in for Slack or a webhook receiver."""

    def __init__(self) -> None:
        super().__init__()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode("utf-8")
                record, answer = recorder._take(body, dict(self.headers.items()))
                if answer == HANG:
                    recorder.release.wait(60)
                    self.close_connection = True
                    return
                assert isinstance(answer, int)
                self.send_response(answer)
                if recorder.script.retry_after and answer in (429, 503):
                    self.send_header("Retry-After", recorder.script.retry_after)
                text = b"ok" if answer < 300 else b"error"
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
                record.status = answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _serve(Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook/T0/B0/secret-token"

    def close(self) -> None:
        self.release.set()
        _stop(self.server)


@dataclass
class SlackCall:
    """One Web API call as the stand-in saw it, and what it answered (None: never answered)."""

    method: str
    args: dict[str, Any]
    token: str
    answer: int | str | None = None
    at: float = field(default_factory=time.monotonic)


class SlackApi(_Recorder):
    """A local Slack Web API: ``AsyncWebClient(token, base_url=api.url)`` talks to it.

    ``answer(...)`` scripts the next calls: ``200`` (ok), ``429`` (``ratelimited``
    with ``retry_after``), ``HANG`` (does the call, then never answers), or a
    Slack error name such as ``"channel_not_found"`` (HTTP 200, ``ok: false``).
    """

    TOKEN = "xoxb-test-secret-token"
    CHANNELS: ClassVar[dict[str, str]] = {"#desk": "C0DESK", "C0DESK": "C0DESK"}

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[SlackCall] = []
        #: every message in the conversation, oldest first
        self.messages: list[dict[str, Any]] = []
        self._clock = 0.0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, args: dict[str, Any]) -> None:
                method = urlsplit(self.path).path.rsplit("/", 1)[-1]
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                call = SlackCall(method, args, token)
                with api.lock:
                    api.calls.append(call)
                    answer = api.script.next()
                status, body = api._answer(call, answer)
                if answer == HANG:
                    api.release.wait(60)
                    self.close_connection = True
                    return
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                if status == 429 and api.script.retry_after:
                    self.send_header("Retry-After", api.script.retry_after)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                call.answer = answer

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode("utf-8")
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    self._handle(json.loads(raw or "{}"))
                else:
                    self._handle({k: v[-1] for k, v in parse_qs(raw).items()})

            def do_GET(self) -> None:
                self._handle({k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _serve(Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api/"

    def _answer(self, call: SlackCall, answer: int | str) -> tuple[int, dict[str, Any]]:
        if answer == 429:
            return 429, {"ok": False, "error": "ratelimited"}
        if isinstance(answer, str) and answer != HANG:
            return 200, {"ok": False, "error": answer}
        if call.token != self.TOKEN:
            return 200, {"ok": False, "error": "invalid_auth"}
        with self.lock:
            return 200, self._do(call.method, call.args)

    def _do(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.CHANNELS.get(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if method == "chat.postMessage":
            # Wall-clock seconds, unique and increasing, as Slack's are.
            self._clock = max(self._clock + 0.000001, time.time())
            message = {
                "channel": channel,
                "ts": f"{self._clock:.6f}",
                "thread_ts": args.get("thread_ts"),
                "text": args.get("text", ""),
                "blocks": args.get("blocks", []),
                "metadata": args.get("metadata"),
                "edits": 0,
            }
            self.messages.append(message)
            return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}
        if method == "chat.update":
            for message in self.messages:
                if message["ts"] == args.get("ts"):
                    message.update(text=args.get("text", ""), blocks=args.get("blocks", []))
                    message["edits"] += 1
                    return {"ok": True, "channel": channel, "ts": message["ts"]}
            return {"ok": False, "error": "message_not_found"}
        if method in ("conversations.history", "conversations.replies"):
            oldest = float(args.get("oldest") or 0)
            found = [
                m
                for m in self.messages
                if float(m["ts"]) > oldest
                and (
                    m["thread_ts"] is None
                    if method == "conversations.history"
                    else args.get("ts") in (m["ts"], m["thread_ts"])
                )
            ]
            return {"ok": True, "messages": list(reversed(found))}
        return {"ok": False, "error": "unknown_method"}

    def posts(self) -> list[SlackCall]:
        """The ``chat.postMessage`` calls, answered or not."""
        with self.lock:
            return [c for c in self.calls if c.method == "chat.postMessage"]

    def top_level(self) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m["thread_ts"] is None]

    def replies(self, ts: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m["thread_ts"] == ts]

    def close(self) -> None:
        self.release.set()
        _stop(self.server)


class _SmtpHandler:
    def __init__(self, recorder: SmtpReceiver):
        self.recorder = recorder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = [message.get("Subject", "")]
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts.append(part.get_content())
        headers = {k: str(v) for k, v in message.items()}
        record, answer = self.recorder._take("\n".join(parts), headers)
        if answer == HANG:
            while not self.recorder.release.is_set():
                await asyncio.sleep(0.05)
            return "451 released after a hang"
        assert isinstance(answer, int)
        record.status = 250 if answer == 200 else answer
        return {200: "250 OK", 451: "451 try again later", 550: "550 mailbox unavailable"}.get(
            answer, f"{answer} scripted"
        )


class SmtpReceiver(_Recorder):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()
        self.controller = Controller(_SmtpHandler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.release.set()
        self.controller.stop()


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def slack_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts (``wirewatch deliver``); any still running at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI sets up logging to a test's captured stderr; later tests must not write to it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def slack_api() -> Iterator[SlackApi]:
    api = SlackApi()
    yield api
    api.close()


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


def alert_marker(alert: Alert) -> str:
    """A string every rendering of ``alert`` contains: its first item's URL."""
    url = alert.items[0].url
    assert url is not None
    return url


def deliveries(bodies: Iterable[str], alerts: Iterable[Alert]) -> list[str]:
    """Alert ids found in ``bodies``, in the order they were delivered (repeats kept)."""
    alerts = list(alerts)
    found = []
    for body in bodies:
        hits = [(body.index(alert_marker(a)), a.alert_id) for a in alerts if alert_marker(a) in body]
        found += [alert_id for _, alert_id in sorted(hits)]
    return found


def channels_config(text: str, name: str = "channels.yaml") -> ChannelsConfig:
    """A ChannelsConfig from YAML text."""
    return parse_channels(parse_yaml(text, name))


def produce(settings: Settings, alerts: Iterable[Alert | bytes]) -> None:
    """Publish alerts (or raw bytes) to the test's alerts topic, keyed by story, and flush."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    topic = Topics.from_settings(settings).alerts
    for alert in alerts:
        if isinstance(alert, bytes):
            producer.send(topic, key=b"raw", value=alert)
        else:
            producer.send(topic, key=alert.story_key.encode(), value=alert.to_bytes())
    producer.flush(15)
    producer.close()


async def dead_letters(settings: Settings, expected: int, timeout_s: float = 20.0) -> list[dict[str, Any]]:
    """Read at least ``expected`` records from the deliveries DLQ (kafka-python, in a thread)."""
    return await asyncio.to_thread(_read_dead_letters, settings, expected, timeout_s)


def _read_dead_letters(settings: Settings, expected: int, timeout_s: float) -> list[dict[str, Any]]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        Topics.from_settings(settings).deliveries_dlq,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    letters: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(letters) < expected and time.monotonic() < deadline:
            letters += [json.loads(m.value) for m in consumer]
    finally:
        consumer.close()
    return letters


async def eventually(check: Callable[[], bool], timeout_s: float = 30.0, what: str = "condition") -> None:
    """Wait until ``check()`` holds; fail after ``timeout_s`` (a hang guard, not a speed test)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def delivering(
    settings: Settings, config: ChannelsConfig, env: Mapping[str, str]
) -> AsyncIterator[AlertsMetrics]:
    """Run the delivery loop for the duration of the block; yields its metrics."""
    metrics = AlertsMetrics.create(CollectorRegistry())
    stop = asyncio.Event()
    task = asyncio.create_task(run_deliver(settings, config, stop, env=env, metrics=metrics))
    try:
        yield metrics
    finally:
        stop.set()
        await asyncio.wait_for(task, 40)


def sample(metrics: AlertsMetrics, name: str, **labels: str) -> float:
    """The value of one metric sample (0 when absent)."""
    for metric in metrics.deliveries, metrics.records, metrics.channel_enabled, metrics.dlq_size:
        for family in metric.collect():
            for s in family.samples:
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                    return float(s.value)
    return 0.0


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "alerts.jsonl"
