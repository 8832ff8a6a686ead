"""``wirewatch process``: one faust worker of the processor group."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry

from processors.matching.native import use_native
from processors.stream.app import RESTART_EXIT
from wirewatch.errors import BrokerError
from wirewatch.lag import LagReporter, lag_gauge
from wirewatch.metrics import serve_metrics
from wirewatch.settings import Settings
from wirewatch.topics import Topics, ensure_topics
from wirewatch.watchlist import load_watchlist

log = logging.getLogger(__name__)

#: Allocations between two young-generation collections (CPython's default is 700). The worker
#: keeps a large live heap (the engine, the tables, the stages' memos) and makes few cycles:
#: at 700 the collector cost about a fifth of the stages' CPU (bench.stream.stages).
GC_YOUNG_THRESHOLD = 10_000


def tune_gc() -> None:
    """Collect the young generation less often; the older generations keep their defaults."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def run_worker(settings: Settings, watchlist_file: Path, registry: CollectorRegistry = REGISTRY) -> int:
    """Run one processor worker until SIGTERM/SIGINT; returns the exit code.

    The watchlist file is validated first (it is what the worker publishes
    when the watchlist topic is empty), and the matching mode checked, so a
    broken file or a native pass required but not built fails at once.
    """
    import faust

    from processors.stream.app import build_app
    from processors.stream.metrics import ProcessorMetrics

    bootstrap = settings.kafka_bootstrap
    if not bootstrap:
        raise BrokerError(
            "WIREWATCH_KAFKA_BOOTSTRAP is not set (run `wirewatch up`, or point it at a cluster)"
        )
    if watchlist_file.exists():
        load_watchlist(watchlist_file)
    use_native(settings.matching)
    tune_gc()
    ensure_topics(bootstrap, settings)
    metrics = ProcessorMetrics.create(registry)
    serve_metrics(settings.process_metrics_port, settings.metrics_host, registry)
    topics = Topics.from_settings(settings)
    inputs = [topics.items, topics.candidates, topics.mentions]
    lag = LagReporter(
        settings, bootstrap, topics.processor_group, inputs, lag_gauge(registry), interval_s=5.0
    )
    lag.start()

    def backlog(assigned: set[tuple[str, int]]) -> int:
        return sum(n for tp, n in lag.last.items() if (tp.topic, tp.partition) in assigned)

    processor = build_app(settings, bootstrap, watchlist_file, metrics, backlog=backlog)
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


def supervise_worker(args: list[str]) -> int:
    """Run the faust worker as a child process; start it again, loudly, when it exits stalled.

    A worker that handles nothing while records wait on its partitions (the
    idle fetcher of ``faust_compat``'s docstring, fixed at its cause; this stays
    as the safety net) exits with ``RESTART_EXIT``. SIGTERM/SIGINT stop the
    child and wait for it however long its shutdown takes; if this process is
    killed, the child is killed too (a crash stays a crash).
    """
    import signal
    import threading

    from wirewatch.processes import stop_on_signals
    from wirewatch.supervisor import Supervisor, service_argv

    stop = threading.Event()
    stop_on_signals(stop)
    # The child is this command in another process: it shares our terminal and output.
    worker = Supervisor(say=log.debug, out=None, own_session=False, orphan_signal=signal.SIGKILL)
    child = worker.spawn("worker", service_argv("process", "--child", *args))
    while (ended := worker.wait(stop)) is not None and ended.proc.returncode == RESTART_EXIT:
        if stop.is_set():  # stalled as we were asked to stop: not worth a new worker
            break
        log.error("processor worker %d was stalled; starting a new one", ended.proc.pid)
        child = worker.restart(ended)
    if ended is None:
        worker.stop_all(timeout_s=None)
    code = child.proc.returncode
    return 0 if stop.is_set() and code in (0, -signal.SIGTERM) else code
