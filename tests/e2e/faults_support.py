"""Feeds for the fault suite: a news desk whose stories the test releases, and hostile feeds.

- ``NewsDesk``: RSS feeds on a local server; ``release(n)`` publishes ``n``
  new stories (round-robin over the feeds), each its own story for the
  processor: one watched region and one escalation, published 12 h after the
  previous one (the story window is 6 h), with a unique URL that every
  rendering of its alert carries.
- ``HOSTILE``: what a storm of broken feeds serves — garbage, truncated XML,
  billion laughs, XXE, huge and compressed-bomb bodies, stalls, slow drips,
  error statuses, redirect loops, dropped connections — and the fetch outcome
  (``wirewatch_feed_fetches_total{outcome}``) or parse error each must cause.

Both run on ``tests.support.feeds.FeedHost``, the kernel's feed server on a
loopback address, whose routes are plain functions of the request handler.
"""

from __future__ import annotations

import gzip
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.support.feeds import (
    FeedHost,
    Handler,
    Route,
    drip,
    endless,
    hang_up,
    huge_declared,
    ok,
    partial,
    redirect,
    send,
    send_document,
    stall,
    status,
)

#: The watchlist every fault test runs: one region, one escalation → one alert per story.
WATCHLIST = """\
version: 1
actors:
  - name: Russia
    aliases: [Russie, Russian]
    kind: state
regions:
  - name: Idlib
    aliases: [Idleb]
    country: SY
escalations:
  - name: air strike
    severity: high
    terms:
      en: ["air strike", "airstrike"]
      fr: ["frappe aérienne"]
"""

STORY_GAP = timedelta(hours=12)  # twice the 6 h story window: no two stories ever merge


@dataclass(frozen=True)
class Story:
    """One released wire item; ``url`` identifies its alert on every channel."""

    n: int
    feed: str
    url: str
    title: str
    summary: str
    published: datetime


def rss(title: str, entries: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example.org/</link>"
        f"<description>fault suite</description>{entries}</channel></rss>"
    ).encode()


def _entry(s: Story) -> str:
    return (
        f"<item><title>{escape(s.title)}</title><link>{s.url}</link><guid>{s.url}</guid>"
        f"<pubDate>{format_datetime(s.published)}</pubDate>"
        f"<description>{escape(s.summary)}</description></item>"
    )


class NewsDesk:
    """Good RSS feeds whose stories the test releases; answers 304 when nothing is new."""

    def __init__(self, feeds: tuple[str, ...] = ("wire-fr", "wire-en"), host: str = "127.0.0.1"):
        self.server = FeedHost(host)
        self.feeds = feeds
        self.released: list[Story] = []
        self._lock = threading.Lock()
        # Far enough in the past that a hundred stories 12 h apart stay behind the fetch time.
        self._epoch = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=120)
        for feed in feeds:
            self.server.routes[f"/{feed}.xml"] = self._route(feed)

    def url(self, feed: str) -> str:
        return self.server.url(f"/{feed}.xml")

    def release(self, count: int) -> list[Story]:
        """Publish ``count`` new stories, round-robin over the feeds; returns them."""
        with self._lock:
            new = [self._story(len(self.released) + i) for i in range(count)]
            self.released.extend(new)
        return new

    def _story(self, n: int) -> Story:
        feed = self.feeds[n % len(self.feeds)]
        if feed.endswith("-fr"):
            title = f"Frappes aériennes russes sur Idleb (dépêche {n:04d})"
            summary = "L'aviation russe a de nouveau frappé la province d'Idleb dans la nuit."
        else:
            title = f"Russian air strikes hit Idlib (report {n:04d})"
            summary = "Russian warplanes struck rebel positions in Idlib province overnight."
        url = f"https://news.example.org/{feed}/story-{n:04d}.html"
        return Story(n, feed, url, title, summary, self._epoch + n * STORY_GAP)

    def _route(self, feed: str) -> Route:
        def serve(h: Handler, _release: threading.Event) -> None:
            with self._lock:
                stories = [s for s in self.released if s.feed == feed]
            body = rss(feed, "".join(_entry(s) for s in reversed(stories)))
            send_document(h, body, "application/rss+xml; charset=utf-8")

        return serve

    def close(self) -> None:
        self.server.close()


# --- the storm ---------------------------------------------------------------------------

#: Body cap of the storm's feed list; the huge bodies are several times this.
STORM_MAX_BYTES = 256 * 1024
_CALM = "".join(
    f"<item><title>Weather bulletin {i}</title><link>https://weather.example.org/{i}</link>"
    f"<description>Mild and dry, light winds.</description></item>"
    for i in range(40)
)
_LAUGHS = (
    '<!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)
_GZIP = {"Content-Encoding": "gzip"}
_BOMB = gzip.compress(b"\0" * (STORM_MAX_BYTES * 40), compresslevel=9)
_STALLING = rss("stall", _CALM)


@dataclass(frozen=True)
class Hostile:
    """One kind of broken feed, and what ingest must make of it."""

    route: Route
    #: the fetch outcome every poll of it must give
    outcome: str
    #: it also counts in wirewatch_feed_parse_errors_total
    parse_error: bool = False
    #: another outcome it may give: a redirect loop waits for its host's slot at every hop, with
    #: its total timeout running, so a busy host turns it into ``timeout``
    or_else: str | None = None

    @property
    def outcomes(self) -> set[str]:
        return {self.outcome} | ({self.or_else} if self.or_else else set())


HOSTILE: dict[str, Hostile] = {
    "garbage": Hostile(ok(os.urandom(8192)), "bad_body", parse_error=True),
    "html-page": Hostile(ok(b"<html><body>Not a feed</body></html>", "text/html"), "bad_body", True),
    "empty": Hostile(ok(b""), "bad_body", parse_error=True),
    "truncated": Hostile(ok(rss("cut", _CALM)[:1500]), "ok", parse_error=True),
    "billion-laughs": Hostile(
        ok(rss("&lol9;", "<item><title>&lol9;</title><link>https://x.example/1</link></item>", _LAUGHS)),
        "ok",
        parse_error=True,
    ),
    "xxe": Hostile(
        ok(
            rss(
                "&xxe;",
                "<item><title>&xxe;</title><link>https://x.example/2</link></item>",
                '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            )
        ),
        "ok",
        parse_error=True,
    ),
    "huge-streamed": Hostile(endless(STORM_MAX_BYTES * 20), "too_large"),
    "huge-declared": Hostile(huge_declared, "too_large"),
    "gzip-bomb": Hostile(lambda h, _r: send(h, 200, _BOMB, "application/rss+xml", _GZIP), "too_large"),
    "bad-gzip": Hostile(
        lambda h, _r: send(h, 200, b"\x1f\x8b\x08\0garbage", "application/rss+xml", _GZIP),
        "bad_body",
        parse_error=True,  # a gzip stream cut short inflates to nothing: an empty document
    ),
    "stall-headers": Hostile(stall, "timeout"),
    "stall-body": Hostile(partial(_STALLING, len(_STALLING) // 3), "timeout"),
    "slow-drip": Hostile(drip(rss("drip", _CALM)), "timeout"),
    "server-error": Hostile(status(500), "http_5xx"),
    "gone": Hostile(status(404), "http_4xx"),
    "rate-limited": Hostile(status(429, {"Retry-After": "2"}), "rate_limited"),
    "hang-up": Hostile(hang_up, "transport"),
}


def hostile_feeds(server: FeedHost, tag: str) -> dict[str, tuple[str, Hostile]]:
    """Route one feed of every hostile kind on ``server``; returns feed id → (URL, kind)."""
    feeds: dict[str, tuple[str, Hostile]] = {}
    loop = f"/{tag}-redirect-loop.xml"
    kinds = {**HOSTILE, "redirect-loop": Hostile(redirect(loop), "redirect", or_else="timeout")}
    for kind, hostile in kinds.items():
        path = f"/{tag}-{kind}.xml"
        server.routes[path] = hostile.route
        feeds[f"{tag}-{kind}"] = (server.url(path), hostile)
    return feeds


def feeds_yaml(good: dict[str, str], bad: dict[str, str], interval_s: float = 1.0, **limits: str) -> str:
    """A feed list: ``good`` and ``bad`` map feed id → URL; ``limits`` override the limits block."""
    lines = ["version: 1", f"defaults: {{interval: {interval_s:g}s}}", "limits:"]
    lines += [f"  {k}: {v}" for k, v in {"backoff_max": "8s", "read_timeout": "3s", **limits}.items()]
    lines.append("feeds:")
    for feed_id, url in {**good, **bad}.items():
        lang = "fr" if feed_id.endswith("-fr") else "en"
        lines += [f"  - id: {feed_id}", f"    url: {url}", f"    source: {feed_id}", f"    lang: {lang}"]
    return "\n".join(lines) + "\n"
