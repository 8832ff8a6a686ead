"""Ingest fixtures: a real local HTTP feed server, and a reader of the real items topic.

The feed server serves saved feed files with ETag and Last-Modified (and
answers 304 to a matching conditional GET), and can be told, per path, to
fail with given statuses first, stall, redirect, or stream a huge body.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from ingest.config import Defaults, FeedConfig, FeedsConfig, Limits
from ingest.metrics import IngestMetrics
from ingest.service import run_ingest
from wirewatch.records import NewsItem
from wirewatch.settings import Settings
from wirewatch.topics import Topics

FEEDS_DIR = Path(__file__).resolve().parent / "feeds"
LAST_MODIFIED = "Thu, 08 Oct 2015 12:00:00 GMT"

#: The saved feeds every format test serves, with the number of items each must give.
FIXTURE_FEEDS = {
    "rss2-fr.xml": 4,
    "atom-en.xml": 3,
    "rdf-fr.xml": 2,
    "latin1-fr.xml": 2,
    "bom-en.xml": 2,
}


@dataclass
class Route:
    """How the server answers one path. ``statuses`` are answered first, one per request."""

    body: bytes = b""
    content_type: str = "application/rss+xml"
    statuses: list[int] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    stall_s: float = 0.0  # before sending anything
    stall_after_bytes: int | None = None  # send this much of the body, then stall
    redirect_to: str | None = None
    stream_bytes: int = 0  # a generated body of this size, no Content-Length
    delay_s: float = 0.0  # an honest slow server (answers after this)


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 serving ``Route``s; records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()  # ends every stall at teardown
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._serve(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # clients dropping keep-alive connections, or giving up on purpose

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def add(self, path: str, route: Route | None = None, **kw: object) -> str:
        """Serve ``route`` (or a Route made of ``kw``) at ``path``; returns its URL."""
        self.routes[path] = route or Route(**kw)  # type: ignore[arg-type]
        return self.url(path)

    def add_file(self, name: str, path: str | None = None, **kw: object) -> str:
        return self.add(path or f"/{name}", Route(body=(FEEDS_DIR / name).read_bytes(), **kw))  # type: ignore[arg-type]

    def hits(self, path: str) -> list[dict[str, str]]:
        """Request headers (lower-cased) of every request for ``path``."""
        with self._lock:
            return [h for p, h in self.requests if p == path]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        with self._lock:
            self.requests.append((path, {k.lower(): v for k, v in h.headers.items()}))
            route = self.routes.get(path)
            status = route.statuses.pop(0) if route and route.statuses else None
        try:
            if route is None:
                return self._send(h, 404, b"not found", "text/plain")
            if route.stall_s:
                self.release.wait(route.stall_s)
            if route.delay_s:
                time.sleep(route.delay_s)
            if status is not None:
                return self._send(h, status, b"", "text/plain", route.headers)
            if route.redirect_to is not None:
                return self._send(h, 302, b"", "text/plain", {"Location": route.redirect_to})
            if route.stream_bytes:
                return self._stream(h, route)
            etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, **route.headers}
            if h.headers.get("If-None-Match") == etag:
                return self._send(h, 304, b"", route.content_type, headers)
            if route.stall_after_bytes is not None:
                h.send_response(200)
                h.send_header("Content-Type", route.content_type)
                h.send_header("Content-Length", str(len(route.body)))
                h.end_headers()
                h.wfile.write(route.body[: route.stall_after_bytes])
                h.wfile.flush()
                self.release.wait(30)
                return None
            return self._send(h, 200, route.body, route.content_type, headers)
        except (BrokenPipeError, ConnectionResetError):
            return None  # the client gave up (size cap, timeout): expected

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status != 304:
            h.wfile.write(body)

    @staticmethod
    def _stream(h: BaseHTTPRequestHandler, route: Route) -> None:
        h.send_response(200)
        h.send_header("Content-Type", route.content_type)
        h.send_header("Connection", "close")  # no length: the body ends when the connection does
        h.end_headers()
        h.close_connection = True
        chunk = b"<item><title>padding</title></item>" * 2000
        sent = 0
        while sent < route.stream_bytes:
            h.wfile.write(chunk)
            sent += len(chunk)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def fixture_feeds() -> dict[str, int]:
    """Saved feed file name → number of items it must give."""
    return dict(FIXTURE_FEEDS)


@pytest.fixture
def make_feeds():  # type: ignore[no-untyped-def]
    """``make_feeds({"id": url, ...}, **limits)`` → a ``FeedsConfig`` with test timeouts."""
    return feeds_config


@pytest.fixture
def topic_records():  # type: ignore[no-untyped-def]
    """``topic_records(bootstrap, topic)`` → every record on the topic, from the beginning."""
    return read_topic


def feeds_config(urls: dict[str, str], interval: float = 300, **limits: object) -> FeedsConfig:
    """A feed list with one feed per ``id → url``, short timeouts for tests."""
    defaults: dict[str, object] = {"connect_timeout": 2, "read_timeout": 2, "total_timeout": 10}
    return FeedsConfig(
        version=1,
        defaults=Defaults(interval=interval),
        limits=Limits(**{**defaults, **limits}),  # type: ignore[arg-type]
        feeds=[FeedConfig(id=fid, url=url, source=fid.upper()) for fid, url in urls.items()],
    )


def read_topic(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list:
    """Every record on ``topic`` right now, from the beginning, all partitions."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records: list = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {topic} to its end in {timeout_s} s")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


@dataclass
class IngestRig:
    """Runs ``run_ingest`` against the session broker and reads what landed on the topic."""

    settings: Settings
    server: FeedServer

    async def once(
        self, urls: dict[str, str], registry: CollectorRegistry | None = None, **limits: object
    ) -> int:
        metrics = IngestMetrics.create(registry or CollectorRegistry())
        config = feeds_config(urls, **limits)
        return await run_ingest(self.settings, config, asyncio.Event(), once=True, metrics=metrics)

    def items(self) -> list[tuple[bytes, NewsItem, dict[str, bytes]]]:
        """(key, item, headers) of every record on the items topic."""
        records = read_topic(self.settings.kafka_bootstrap or "", Topics.from_settings(self.settings).items)
        return [(r.key, NewsItem.from_bytes(r.value), dict(r.headers)) for r in records]

    def serve_fixtures(self) -> dict[str, str]:
        """Serve every saved fixture feed; returns feed id → URL."""
        urls = {}
        for name in FIXTURE_FEEDS:
            # The Latin-1 feed comes without a charset: its XML declaration must be believed.
            ctype = "application/xml" if name.startswith("latin1") else "application/rss+xml; charset=utf-8"
            urls[name.removesuffix(".xml")] = self.server.add_file(name, f"/feeds/{name}", content_type=ctype)
        return urls


@pytest.fixture
def ingest_rig(kafka_settings: Settings, feed_server: FeedServer) -> IngestRig:
    return IngestRig(kafka_settings, feed_server)
