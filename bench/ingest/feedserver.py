"""A local feed server for the poll benchmark, run in its own process.

``/feed/<n>``: feeds below ``static`` never change (answer 304 to their ETag);
the others gain ``new_per_poll`` items at every request (a new ETag each time).
"""

from __future__ import annotations

import multiprocessing
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.ingest.corpus import rss_feed


def _serve(port_out: multiprocessing.Queue, static: int, new_per_poll: int, items: int) -> None:  # type: ignore[type-arg]
    counters: dict[int, int] = {}
    lock = threading.Lock()
    static_bodies: dict[int, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            n = int(self.path.rsplit("/", 1)[-1])
            if n < static:
                etag = f'"s{n}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                body = static_bodies.get(n) or static_bodies.setdefault(n, rss_feed(n, 0, items))
            else:
                with lock:
                    first = counters[n] = counters.get(n, -new_per_poll) + new_per_poll
                etag = f'"m{n}-{first}"'
                body = rss_feed(n, first, items)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # clients closing keep-alive connections at the end of a run

    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    port_out.put(httpd.server_port)
    httpd.serve_forever()


class FeedServerProcess:
    """Starts the server in a child process; ``base`` is its URL prefix."""

    def __init__(self, static: int, new_per_poll: int = 2, items: int = 20):
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        self.proc = multiprocessing.Process(
            target=_serve, args=(queue, static, new_per_poll, items), daemon=True
        )
        self.proc.start()
        self.base = f"http://127.0.0.1:{queue.get(timeout=30)}"

    def url(self, n: int) -> str:
        return f"{self.base}/feed/{n}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.join(10)
