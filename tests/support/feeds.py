"""The tests' feed server: the kernel's ``FeedServer``, recording requests, and feeds that misbehave.

- ``FeedHost``: a ``wirewatch.feedserver.FeedServer`` that keeps every request's headers
  (``hits``); ``add`` scripts a path with a ``Scripted`` answer, ``add_file`` serves a saved feed.
- ``Scripted``: a feed document with conditional GET (ETag, Last-Modified, 304), answered
  with given statuses first, after a stall or a delay, as a redirect, an endless body, or
  stopping part-way through.
- Routes for what broken servers do: ``ok`` (a body without validators), ``status``,
  ``redirect``, ``stall``, ``partial``, ``drip``, ``endless``, ``huge_declared``, ``hang_up``.

Every deliberate wait waits on the server's ``release`` event, which ``close`` sets.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from wirewatch.feedserver import FeedServer, Handler, Route, etag_of, not_modified, send, send_document

__all__ = [
    "LAST_MODIFIED",
    "FeedHost",
    "Handler",
    "Route",
    "Scripted",
    "drip",
    "endless",
    "hang_up",
    "huge_declared",
    "ok",
    "partial",
    "redirect",
    "send",
    "send_document",
    "stall",
    "status",
]

#: The Last-Modified of every scripted document (fixed: the tests tell versions by ETag).
LAST_MODIFIED = datetime(2015, 10, 8, 12, 0, tzinfo=UTC)
_PADDING = b"<item><title>padding</title></item>" * 1000


class FeedHost(FeedServer):
    """A feed server on ``host`` (any 127.x address) that records every request."""

    def __init__(self, host: str = "127.0.0.1", files: Path | None = None) -> None:
        super().__init__(host, record=True)
        self.files = files

    def add(self, path: str, route: Route | None = None, **script: object) -> str:
        """Serve ``route`` (or a ``Scripted`` made of ``script``) at ``path``; returns its URL."""
        return self.route(path, route or Scripted(**script))  # type: ignore[arg-type]

    def add_file(self, name: str, path: str | None = None, **script: object) -> str:
        """Serve the saved feed ``files/name`` at ``path`` (``/name`` by default); returns its URL."""
        assert self.files is not None, "FeedHost(files=...) names the saved feeds"
        body = (self.files / name).read_bytes()
        return self.add(path or f"/{name}", Scripted(body=body, **script))  # type: ignore[arg-type]


@dataclass
class Scripted:
    """How one path answers: ``statuses`` first, one per request, then the document itself."""

    body: bytes = b""
    content_type: str = "application/rss+xml"
    statuses: list[int] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    stall_s: float = 0.0  # before sending anything
    stall_after_bytes: int | None = None  # send this much of the body, then stall
    redirect_to: str | None = None
    stream_bytes: int = 0  # a generated body of this size, no Content-Length
    delay_s: float = 0.0  # an honest slow server (answers after this)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __call__(self, h: Handler, release: threading.Event) -> None:
        with self._lock:
            code = self.statuses.pop(0) if self.statuses else None
        if self.stall_s:
            release.wait(self.stall_s)
        if self.delay_s:
            time.sleep(self.delay_s)
        if code is not None:
            return send(h, code, headers=self.headers)
        if self.redirect_to is not None:
            return redirect(self.redirect_to)(h, release)
        if self.stream_bytes:
            return endless(self.stream_bytes)(h, release)
        if self.stall_after_bytes is not None and not not_modified(
            h.headers, etag_of(self.body), LAST_MODIFIED
        ):
            return partial(self.body, self.stall_after_bytes, wait_s=30)(h, release)
        return send_document(
            h, self.body, self.content_type, last_modified=LAST_MODIFIED, headers=self.headers
        )


def ok(body: bytes, content_type: str = "application/rss+xml") -> Route:
    """200 and ``body``, with no validators (every poll fetches it whole)."""
    return lambda h, _release: send(h, 200, body, content_type)


def status(code: int, headers: dict[str, str] | None = None) -> Route:
    """``code`` with an empty body (and ``headers``, a Retry-After say)."""
    return lambda h, _release: send(h, code, headers=headers)


def redirect(location: str) -> Route:
    """302 to ``location`` (a loop when it leads back here)."""
    return lambda h, _release: send(h, 302, headers={"Location": location})


def stall(h: Handler, release: threading.Event) -> None:
    """Never answers: not even the status line comes."""
    release.wait(60)


def partial(body: bytes, sent: int, wait_s: float = 60) -> Route:
    """Declares ``body``'s whole length, sends its first ``sent`` bytes, then goes silent."""

    def serve(h: Handler, release: threading.Event) -> None:
        _begin(h, len(body))
        h.wfile.write(body[:sent])
        h.wfile.flush()
        release.wait(wait_s)

    return serve


def drip(body: bytes) -> Route:
    """A byte now and then: never silent long enough for a read timeout, never done."""

    def serve(h: Handler, release: threading.Event) -> None:
        _begin(h)
        for byte in body:
            if release.wait(0.3):
                return
            h.wfile.write(bytes([byte]))
            h.wfile.flush()

    return serve


def endless(size: int) -> Route:
    """A ``size``-byte body with no Content-Length: it ends only when the connection does."""

    def serve(h: Handler, release: threading.Event) -> None:
        _begin(h)
        sent = 0
        while sent < size and not release.is_set():
            h.wfile.write(_PADDING)
            sent += len(_PADDING)

    return serve


def huge_declared(h: Handler, _release: threading.Event) -> None:
    """Declares a 50 MB body, sends five bytes of it and hangs up."""
    _begin(h, 50 * 1024 * 1024)
    h.wfile.write(b"<rss>")
    h.close_connection = True


def hang_up(h: Handler, _release: threading.Event) -> None:
    """No answer at all: the connection just closes."""
    h.close_connection = True


def _begin(h: Handler, length: int | None = None) -> None:
    """The head of a 200 RSS answer: ``length`` declared, or none and the body ends with the connection."""
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    if length is None:
        h.close_connection = True
    else:
        h.send_header("Content-Length", str(length))
    h.end_headers()
