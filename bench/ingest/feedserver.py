"""The kernel's feed server (``wirewatch.feedserver``) in its own process, for the poll benchmark.

``/feed/<n>`` for ``n`` below ``feeds``: feeds below ``static`` never change (answer 304 to
their ETag); the others gain ``new_per_poll`` items at every request (a new ETag each time).
"""

from __future__ import annotations

import multiprocessing
import threading

from bench.ingest.corpus import rss_feed
from wirewatch.feedserver import FeedServer, Handler, Route, send_document

CONTENT_TYPE = "application/rss+xml; charset=utf-8"


def _static(n: int, items: int) -> Route:
    body = rss_feed(n, 0, items)
    etag = f'"s{n}"'
    return lambda h, _release: send_document(h, body, CONTENT_TYPE, etag=etag)


def _changing(n: int, new_per_poll: int, items: int) -> Route:
    lock = threading.Lock()
    polls = 0

    def serve(h: Handler, _release: threading.Event) -> None:
        nonlocal polls
        with lock:
            first = polls * new_per_poll
            polls += 1
        send_document(h, rss_feed(n, first, items), CONTENT_TYPE, etag=f'"m{n}-{first}"')

    return serve


def _serve(port_out: multiprocessing.Queue, feeds: int, static: int, new_per_poll: int, items: int) -> None:
    server = FeedServer()
    for n in range(feeds):
        server.route(f"/feed/{n}", _static(n, items) if n < static else _changing(n, new_per_poll, items))
    port_out.put(server.server_port)
    threading.Event().wait()  # serves from its own thread until the parent terminates this process


class FeedServerProcess:
    """Starts the server in a child process; ``base`` is its URL prefix."""

    def __init__(self, feeds: int, static: int, new_per_poll: int = 2, items: int = 20):
        queue: multiprocessing.Queue = multiprocessing.Queue()
        self.proc = multiprocessing.Process(
            target=_serve, args=(queue, feeds, static, new_per_poll, items), daemon=True
        )
        self.proc.start()
        self.base = f"http://127.0.0.1:{queue.get(timeout=30)}"

    def url(self, n: int) -> str:
        return f"{self.base}/feed/{n}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.join(10)
