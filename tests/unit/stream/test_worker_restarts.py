"""``wirewatch process``: its checks before the worker starts, and its supervision of the worker.

The real worker runs in tests/integration/stream/test_crash_and_scale.py; here
the child is a small script that exits the way a worker does, so each case
takes a second.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from processors.matching import native
from processors.stream.app import RESTART_EXIT
from processors.stream.worker import run_worker, supervise_worker
from wirewatch.errors import NativeUnavailable
from wirewatch.settings import Settings


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, ...]]:
    """Make the worker child a script that exits with each code in ``codes.txt`` in turn.

    Past the last code it waits to be stopped. Returns the argv each start asked for.
    """
    script = (
        "import pathlib, sys, time\n"
        f"runs = pathlib.Path({str(tmp_path / 'runs')!r})\n"
        f"codes = pathlib.Path({str(tmp_path / 'codes.txt')!r}).read_text().split()\n"
        "n = len(runs.read_text()) if runs.exists() else 0\n"
        "runs.write_text('x' * (n + 1))\n"
        "sys.exit(int(codes[n])) if n < len(codes) else time.sleep(30)\n"
    )
    asked: list[tuple[str, ...]] = []

    def argv(*args: str) -> list[str]:
        asked.append(args)
        return [sys.executable, "-c", script]

    monkeypatch.setattr("wirewatch.supervisor.service_argv", argv)
    return asked


def codes(tmp_path: Path, *exits: int) -> None:
    (tmp_path / "codes.txt").write_text(" ".join(map(str, exits)))


def runs(tmp_path: Path) -> int:
    return len((tmp_path / "runs").read_text())


def test_a_stalled_worker_is_started_again_until_it_exits_for_good(
    worker: list[tuple[str, ...]], tmp_path: Path, signal_handlers: None
) -> None:
    codes(tmp_path, RESTART_EXIT, RESTART_EXIT, 0)
    assert supervise_worker(["--watchlist", "wl.yaml"]) == 0
    assert runs(tmp_path) == 3
    assert worker == [("process", "--child", "--watchlist", "wl.yaml")]


def test_a_crashed_worker_is_not_started_again(
    worker: list[tuple[str, ...]], tmp_path: Path, signal_handlers: None
) -> None:
    codes(tmp_path, 1)
    assert supervise_worker([]) == 1
    assert runs(tmp_path) == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_the_worker_and_is_a_clean_exit(
    signum: int, worker: list[tuple[str, ...]], tmp_path: Path, signal_handlers: None
) -> None:
    codes(tmp_path, RESTART_EXIT)  # then it runs until stopped

    def stop_once_restarted() -> None:
        while not (tmp_path / "runs").exists() or runs(tmp_path) < 2:
            time.sleep(0.05)
        os.kill(os.getpid(), signum)

    threading.Thread(target=stop_once_restarted, daemon=True).start()
    assert supervise_worker([]) == 0
    assert runs(tmp_path) == 2


def test_a_worker_needing_a_native_pass_not_built_fails_before_touching_kafka(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(native, "_native", None)
    settings = Settings(kafka_bootstrap="127.0.0.1:9", matching="native", data_dir=tmp_path)
    with pytest.raises(NativeUnavailable, match="WIREWATCH_MATCHING=native but"):
        run_worker(settings, tmp_path / "watchlist.yaml")
