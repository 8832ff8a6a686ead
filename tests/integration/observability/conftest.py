"""Fixtures for the observability tests: the demo pipeline and Debian's real Prometheus scraping it.

Both are started once per module on 127.0.0.1 and free ports, and stopped at the
end: ``wirewatch up --demo`` (session broker, own topics and data dir, the demo
watchlist) and ``prometheus`` with a config generated from the committed
deploy/prometheus/prometheus.yml (same jobs and labels, test ports, 1 s scrapes,
the committed rules.yml).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from wirewatch.broker import free_port
from wirewatch.configfile import read_yaml
from wirewatch.observability.catalogue import PORT_SETTINGS
from wirewatch.processes import stop_process
from wirewatch.settings import Settings

REPO = Path(__file__).resolve().parents[3]
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
SCRAPE_S = 1


def tool(name: str) -> str:
    """Path of a Debian tool the tests need; fails (never skips) when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} not found: run deploy/setup-system.sh "
            "(Debian packages `prometheus`, `prometheus-alertmanager`)",
            pytrace=False,
        )
    return path


@dataclass(frozen=True)
class Pipeline:
    """The running ``wirewatch up --demo``: its metrics ports (default port → test port) and log."""

    ports: dict[int, int]
    log: Path
    started: float

    def console(self) -> tuple[str, str, str] | None:
        """The console's URL and the demo login (user, password), once ``up`` has printed them."""
        for line in self.log.read_text(errors="replace").splitlines():
            found = re.match(r"console: (\S+)\s+login: (\S+) / (\S+)", line)
            if found:
                return found[1], found[2], found[3]
        return None


@pytest.fixture(scope="module")
def pipeline(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    tmp = tmp_path_factory.mktemp("pipeline")
    defaults = {service: Settings.model_fields[field].default for service, field in PORT_SETTINGS.items()}
    ports = {defaults[service]: free_port() for service in PORT_SETTINGS}
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    env.update(
        {
            "WIREWATCH_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "WIREWATCH_TOPIC_PREFIX": f"obs-{uuid.uuid4().hex[:8]}",
            "WIREWATCH_PARTITIONS": "2",
            "WIREWATCH_DATA_DIR": str(tmp / "var"),
            "WIREWATCH_WATCHLIST": str(REPO / "config" / "watchlist.yaml"),
            "WIREWATCH_CHANNELS": str(REPO / "config" / "channels.yaml"),
            "WIREWATCH_METRICS_HOST": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for service, field in PORT_SETTINGS.items():
        env[f"WIREWATCH_{field.upper()}"] = str(ports[defaults[service]])
    log = tmp / "up.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wirewatch", "up", "--demo"],
            env=env,
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield Pipeline(ports, log, time.time())
        assert proc.poll() is None, f"`wirewatch up --demo` died:\n{log.read_text()[-3000:]}"
    finally:
        stop_process(proc)


class Prometheus:
    """A running Prometheus and its HTTP API (``/api/v1``)."""

    def __init__(self, port: int, proc: subprocess.Popen[bytes], log: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.proc, self.log = proc, log
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def api(self, path: str, **params: Any) -> Any:
        """GET ``/api/v1/<path>``; returns ``data``, failing the test on an API error."""
        reply = self.http.get(f"/api/v1/{path}", params=params)
        body = reply.json()
        assert body.get("status") == "success", f"{path} {params}: {body.get('error', reply.text)}"
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """Instant query; the result series (vector) or one pseudo-series for a scalar."""
        data = self.api("query", query=expr, **({"time": at} if at is not None else {}))
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        return list(data["result"])

    def query_range(self, expr: str, start: float, end: float, step: float = 2) -> list[dict[str, Any]]:
        return list(self.api("query_range", query=expr, start=start, end=end, step=step)["result"])

    def wait_ready(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"prometheus exited:\n{self.log.read_text()[-3000:]}"
            try:
                if self.http.get("/-/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"prometheus not ready after {timeout_s} s:\n{self.log.read_text()[-3000:]}")


def finite(series: list[dict[str, Any]]) -> bool:
    """True if any sample of an instant or range result is a real number (not NaN or ±Inf)."""
    values = [s["value"] for s in series if "value" in s] + [v for s in series for v in s.get("values", [])]
    return any(math.isfinite(float(v[1])) for v in values)


def scrape_config(ports: dict[int, int], data_dir: Path) -> Path:
    """The committed local config with the test's ports, 1 s scrapes and an absolute rules path."""
    config = read_yaml(PROMETHEUS_DIR / "prometheus.yml").data
    config["global"] = {"scrape_interval": f"{SCRAPE_S}s", "evaluation_interval": f"{SCRAPE_S}s"}
    config["rule_files"] = [str(PROMETHEUS_DIR / f) for f in config["rule_files"]]
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            static["targets"] = [f"127.0.0.1:{ports[int(t.rsplit(':', 1)[1])]}" for t in static["targets"]]
    path = data_dir / "prometheus.yml"
    path.write_text(json.dumps(config, indent=2))  # JSON is YAML
    return path


@pytest.fixture(scope="module")
def prometheus(pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    binary = tool("prometheus")
    tmp = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    log = tmp / "prometheus.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                binary,
                f"--config.file={scrape_config(pipeline.ports, tmp)}",
                f"--storage.tsdb.path={tmp / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = Prometheus(port, proc, log)
    try:
        server.wait_ready()
        yield server
    finally:
        server.http.close()
        stop_process(proc)
