"""Child processes: tie them to their parent, stop them politely then firmly.

Used by the local broker runner, ``wirewatch up``, ``wirewatch process`` and
the benchmarks and tests that run services as processes.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """In a child before exec: get ``signum`` when the parent dies (Linux PR_SET_PDEATHSIG).

    So a killed `wirewatch up`, test run or supervisor leaves no child behind.
    """
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signum)


def stop_process(proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> bool:
    """SIGTERM ``proc``, then SIGKILL it if it has not exited after ``timeout_s``.

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
