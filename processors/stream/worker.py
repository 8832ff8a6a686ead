"""``wirewatch process``: one faust worker of the processor group."""

from __future__ import annotations

import logging
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry

from wirewatch.errors import BrokerError
from wirewatch.lag import LagReporter, lag_gauge
from wirewatch.metrics import serve_metrics
from wirewatch.settings import Settings
from wirewatch.topics import Topics, ensure_topics
from wirewatch.watchlist import load_watchlist

log = logging.getLogger(__name__)


def run_worker(settings: Settings, watchlist_file: Path, registry: CollectorRegistry = REGISTRY) -> int:
    """Run one processor worker until SIGTERM/SIGINT; returns the exit code.

    The watchlist file is validated first (it is what the worker publishes
    when the watchlist topic is empty), so a broken file fails at once.
    """
    import faust

    from processors.stream.app import build_app, group_id
    from processors.stream.metrics import ProcessorMetrics

    bootstrap = settings.kafka_bootstrap
    if not bootstrap:
        raise BrokerError(
            "WIREWATCH_KAFKA_BOOTSTRAP is not set (run `wirewatch up`, or point it at a cluster)"
        )
    if watchlist_file.exists():
        load_watchlist(watchlist_file)
    ensure_topics(bootstrap, settings)
    metrics = ProcessorMetrics.create(registry)
    serve_metrics(settings.process_metrics_port, settings.metrics_host, registry)
    lag = LagReporter(
        settings, bootstrap, group_id(settings), [Topics.from_settings(settings).items], lag_gauge(registry)
    )
    lag.start()
    processor = build_app(settings, bootstrap, watchlist_file, metrics)
    worker = faust.Worker(
        processor.app,
        loglevel=settings.log_level,
        quiet=True,
        redirect_stdouts=False,
        override_logging=False,
    )
    worker.spinner = None  # a terminal spinner mangles prefixed, piped logs (`wirewatch up`)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        lag.stop()
    return 0
