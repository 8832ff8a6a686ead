"""A local HTTP server for the demo feeds, releasing items as the demo clock runs.

Serves ``/afp-fr.xml`` (RSS 2.0, French) and ``/wire-en.xml`` (Atom, English)
on the kernel's feed server (``wirewatch.feedserver``): with ETag and
Last-Modified, answering 304 when nothing new was released, as a polite real
server would.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from wirewatch.demo.stories import FEEDS, ITEMS, DemoItem
from wirewatch.feedserver import FeedServer, Handler, Route, send_document

BASE_URL = "https://demo.wirewatch.invalid"


def _rss(feed: str, items: list[tuple[DemoItem, datetime]]) -> str:
    meta = FEEDS[feed]
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>{BASE_URL}/{feed}/{i.slug}</link>"
        f"<guid>{BASE_URL}/{feed}/{i.slug}</guid><pubDate>{format_datetime(at)}</pubDate>"
        f"<description>{escape(i.summary)}</description></item>"
        for i, at in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(meta['source'])}</title><link>{BASE_URL}/{feed}</link>"
        f"<description>Wirewatch demo feed</description><language>fr-FR</language>{entries}</channel></rss>"
    )


def _atom(feed: str, items: list[tuple[DemoItem, datetime]]) -> str:
    meta = FEEDS[feed]
    updated = max((at for _, at in items), default=datetime(2026, 1, 1, tzinfo=UTC)).isoformat()
    entries = "".join(
        f'<entry><title>{escape(i.title)}</title><link href="{BASE_URL}/{feed}/{i.slug}"/>'
        f"<id>{BASE_URL}/{feed}/{i.slug}</id><updated>{at.isoformat()}</updated>"
        f"<summary>{escape(i.summary)}</summary></entry>"
        for i, at in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
        f"<title>{escape(meta['source'])}</title><id>{BASE_URL}/{feed}</id><updated>{updated}</updated>"
        f"{entries}</feed>"
    )


class DemoFeeds:
    """The demo clock and the feed documents it releases."""

    def __init__(self, speed: float = 1.0):
        self.start = time.monotonic()
        self.started_at = datetime.now(UTC)
        self.speed = speed

    def released(self, feed: str) -> list[tuple[DemoItem, datetime]]:
        elapsed = (time.monotonic() - self.start) * self.speed
        return [
            (i, self.started_at + timedelta(seconds=i.after))
            for i in ITEMS
            if i.feed == feed and i.after <= elapsed
        ]

    def document(self, feed: str) -> tuple[bytes, datetime]:
        items = self.released(feed)
        render = _rss if FEEDS[feed]["format"] == "rss" else _atom
        last = max((at for _, at in items), default=self.started_at)
        return render(feed, items).encode("utf-8"), last


def serve_demo_feeds(host: str = "127.0.0.1", port: int = 0, speed: float = 1.0) -> FeedServer:
    """Start the demo feed server in a daemon thread; ``server.server_port`` is its port."""
    feeds = DemoFeeds(speed=speed)
    server = FeedServer(host, port, name="demo-feeds")
    for feed, meta in FEEDS.items():
        kind = "application/rss+xml" if meta["format"] == "rss" else "application/atom+xml"
        server.route(f"/{feed}.xml", _document_route(feeds, feed, f"{kind}; charset=utf-8"))
    return server


def _document_route(feeds: DemoFeeds, feed: str, content_type: str) -> Route:
    def serve(h: Handler, _release: threading.Event) -> None:
        body, last = feeds.document(feed)
        send_document(h, body, content_type, last_modified=last)

    return serve


def feeds_yaml(port: int, interval_s: float = 5.0) -> str:
    """The feed list that points ingest at the demo server."""
    lines = [
        "# Written by `wirewatch up --demo`: the bundled demo feeds, served locally.",
        "version: 1",
        "feeds:",
    ]
    for feed, meta in FEEDS.items():
        lines += [
            f"  - id: {feed}",
            f"    url: http://127.0.0.1:{port}/{feed}.xml",
            f"    source: {meta['source']}",
            f"    lang: {meta['lang']}",
            f"    interval: {interval_s:g}s",
        ]
    return "\n".join(lines) + "\n"
