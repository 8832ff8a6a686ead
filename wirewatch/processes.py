"""Processes: stop on SIGTERM/Ctrl-C; tie children to their parent, stop them politely then firmly.

Used by every long-running command (``wirewatch broker``, ``up``, ``ingest``,
``process``, ``deliver``), the local broker runner, and the benchmarks and
tests that run services as processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import signal
import subprocess
import threading

#: What asks a Wirewatch process to stop cleanly: ``kill``, docker, systemd, and Ctrl-C.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stop_on_signals(stop: threading.Event) -> None:
    """In the main thread: SIGTERM and Ctrl-C set ``stop`` instead of raising mid-start-up.

    The command then winds down in its own order, checking ``stop`` as it goes.
    """

    def handler(signum: int, frame: object) -> None:
        stop.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)


def loop_stop_event() -> asyncio.Event:
    """In a coroutine of the main thread's event loop: an event that SIGTERM and Ctrl-C set.

    A service's loop passes it down and finishes what is in flight once it is set.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    return stop


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """In a child before exec: get ``signum`` when the parent dies (Linux PR_SET_PDEATHSIG).

    So a killed `wirewatch up`, test run or supervisor leaves no child behind.
    """
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signum)


def stop_process(proc: subprocess.Popen[bytes], timeout_s: float | None = 30.0) -> bool:
    """SIGTERM ``proc``, then SIGKILL it if it has not exited after ``timeout_s`` (None: never).

    Returns True when it had to be killed. A process already gone is left alone.
    """
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True
    return False
