"""Prometheus helpers shared by the services.

Each service builds its metrics with ``registry=`` injected (the global
registry in production, a fresh ``CollectorRegistry()`` in tests) and serves
them on its own port with ``serve_metrics``.
"""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from wirewatch.errors import WirewatchError

log = logging.getLogger(__name__)


def serve_metrics(port: int, host: str = "127.0.0.1", registry: CollectorRegistry = REGISTRY) -> Any:
    """Serve ``/metrics`` on ``host:port`` from a daemon thread; returns the server.

    Port 0 picks a free port (read it from ``server.server_port``).
    """
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise WirewatchError(f"cannot serve metrics on {host}:{port}: {exc.strerror}") from None
    log.info("metrics on http://%s:%d/metrics", host, server.server_port)
    return server
