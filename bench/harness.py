"""What the end-to-end benchmarks share: a private broker, service processes, metrics, RSS."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wirewatch.broker import LocalBroker, free_port
from wirewatch.processes import stop_process
from wirewatch.settings import Settings


@contextmanager
def private_broker() -> Iterator[tuple[str, Path]]:
    """A broker of the benchmark's own, and a scratch folder; both gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="wirewatch-bench-") as tmp:
        broker = LocalBroker(workdir=Path(tmp) / "kafka", cache=Settings().cache, say=lambda m: None)
        broker.start()
        try:
            yield broker.bootstrap, Path(tmp)
        finally:
            broker.stop()


@dataclass
class Service:
    """A ``wirewatch`` sub-command running as its own process, with its metrics port."""

    name: str
    proc: subprocess.Popen[bytes]
    metrics_port: int

    def metric(self, name: str) -> float:
        """Sum of every sample of ``name`` on the service's /metrics (0 when absent)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2) as r:
                text = r.read().decode()
        except OSError:
            return 0.0
        pattern = re.compile(rf"^{re.escape(name)}(?:\{{[^}}]*\}})? (\S+)$", re.M)
        return sum(float(v) for v in pattern.findall(text))

    def rss_mb(self) -> float:
        """Resident memory of the service: its process and its children (a supervised worker)."""
        return sum(rss_mb(pid) for pid in [self.proc.pid, *children(self.proc.pid)])

    def stop(self) -> None:
        stop_process(self.proc)


def start_service(command: list[str], env: dict[str, str], log: Path, port_var: str) -> Service:
    port = free_port()
    full = {**os.environ, **env, port_var: str(port), "PYTHONUNBUFFERED": "1"}
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wirewatch", *command], env=full, stdout=out, stderr=subprocess.STDOUT
        )
    return Service(command[0], proc, port)


def children(pid: int) -> list[int]:
    """Child process ids of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(c) for c in task.read_text().split()]
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for(predicate, timeout_s: float, every_s: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every_s)
    return False


def drained(bootstrap: str, settings: Settings, group: str, topics: list[str]) -> bool:
    """True once ``group`` has committed everything on ``topics`` (False while it cannot tell)."""
    from kafka.errors import KafkaError
    from prometheus_client import Gauge

    from wirewatch.lag import LagReporter

    reporter = LagReporter(settings, bootstrap, group, topics, Gauge("bench_lag", "unused", registry=None))
    try:
        return sum(reporter.measure().values()) == 0
    except KafkaError:
        return False


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
