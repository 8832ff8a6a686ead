"""A local HTTP server for feeds: the demo's wires, and the ones the tests and benchmarks poll.

A ``FeedServer`` is a threaded HTTP/1.1 server on a loopback address that answers each path
with a ``Route``, a plain function of the request handler. ``send_document`` is how a polite
real feed server answers: the body with its ETag and Last-Modified, or 304 Not Modified when
the request's validators show the client has it already. Whatever else a route does (error
statuses, redirects, stalls: see tests/support/feeds.py) it writes with ``send`` or by hand.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = BaseHTTPRequestHandler
#: Answers one request. The event is set when the server closes: a route that waits on purpose
#: waits on it, so closing never hangs on a stalled answer.
Route = Callable[[Handler, threading.Event], None]


class FeedServer(ThreadingHTTPServer):
    """Serves ``routes`` by path (the query string aside), 404 elsewhere, from a daemon thread.

    Serving starts on construction; ``port=0`` takes a free port (``server_port`` says which).
    With ``record``, the headers of every request are kept for ``hits`` (tests ask what a
    client sent); without, nothing grows however long it serves.
    """

    daemon_threads = True
    request_queue_size = 128  # a storm of feeds connects all at once

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, record: bool = False, name: str = ""
    ) -> None:
        self.routes: dict[str, Route] = {}
        self.release = threading.Event()
        self.record = record
        self._requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        super().__init__((host, port), _RequestHandler)
        self._thread = threading.Thread(target=self.serve_forever, name=name or f"feeds-{host}", daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def route(self, path: str, route: Route) -> str:
        """Answer requests for ``path`` with ``route`` from now on; returns its URL."""
        self.routes[path] = route
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        """Headers (names lower-cased) of every request for ``path`` so far, with ``record``."""
        with self._lock:
            return [headers for p, headers in self._requests if p == path]

    def close(self) -> None:
        """End every deliberate wait, stop serving and free the port."""
        self.release.set()
        self.shutdown()
        self.server_close()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-answer (size caps, timeouts, keep-alive closes) are expected

    def answer(self, h: Handler) -> None:
        """Called by the request handler for every GET."""
        path = h.path.split("?", 1)[0]
        if self.record:
            with self._lock:
                self._requests.append((path, {k.lower(): v for k, v in h.headers.items()}))
        route = self.routes.get(path)
        try:
            if route is None:
                send(h, 404, b"not found")
            else:
                route(h, self.release)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (size cap, timeout)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FeedServer

    def do_GET(self) -> None:
        self.server.answer(self)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the client (the ingest service) logs its fetches


def send(
    h: Handler,
    status: int,
    body: bytes = b"",
    content_type: str = "text/plain",
    headers: Mapping[str, str] | None = None,
) -> None:
    """One complete answer, its length declared (a 304 has no body, so neither)."""
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    if status != 304:
        h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if status != 304:
        h.wfile.write(body)


def etag_of(body: bytes) -> str:
    """A strong ETag for ``body``: it changes exactly when the bytes do."""
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def send_document(
    h: Handler,
    body: bytes,
    content_type: str,
    *,
    etag: str | None = None,
    last_modified: datetime | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Answer a GET for a feed document: 304 if the client has this version, else 200 and the body.

    ``etag`` defaults to ``etag_of(body)``; both validators go out on either answer, with
    ``headers`` after them.
    """
    etag = etag or etag_of(body)
    validators = {"ETag": etag}
    if last_modified is not None:
        validators["Last-Modified"] = format_datetime(last_modified, usegmt=True)
    validators.update(headers or {})
    if not_modified(h.headers, etag, last_modified):
        send(h, 304, b"", content_type, validators)
    else:
        send(h, 200, body, content_type, validators)


def not_modified(request: Message, etag: str, last_modified: datetime | None = None) -> bool:
    """Whether a conditional GET's validators match the current version (RFC 9110, 13.2.2).

    If-None-Match decides when present; If-Modified-Since counts only without it, and only
    when the document has a modification time (compared to the second, as HTTP dates are).
    """
    match = request.get("If-None-Match")
    if match is not None:
        tags = {tag.strip() for tag in match.split(",")}
        return "*" in tags or etag in tags
    since = request.get("If-Modified-Since")
    if since is None or last_modified is None:
        return False
    try:
        return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date: send the document
