"""``wirewatch.supervisor`` and the stop-signal bridges of ``wirewatch.processes``, with real processes."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import threading
from pathlib import Path

import pytest

from wirewatch.processes import STOP_SIGNALS, loop_stop_event, stop_on_signals
from wirewatch.supervisor import Supervisor


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_children_output_is_relayed_with_their_name_and_an_ended_child_is_reported() -> None:
    out = io.StringIO()
    said: list[str] = []
    supervisor = Supervisor(say=said.append, out=out)
    supervisor.spawn("deliver", python("import time; time.sleep(30)"))
    ingest = supervisor.spawn("ingest", python("print('polling'); raise SystemExit(4)"))
    assert supervisor.wait(threading.Event()) is ingest
    assert ingest.proc.returncode == 4
    supervisor.stop_all()
    assert out.getvalue() == "ingest  | polling\n"
    assert said[0].startswith("started deliver (pid ") and said[-1] == "stopped deliver"


def test_a_restarted_child_takes_the_place_of_the_one_that_ended(tmp_path: Path) -> None:
    runs = str(tmp_path / "runs")
    # Exits 3 on its first run, then waits to be stopped.
    code = (
        "import os, sys, time\n"
        f"first = not os.path.exists({runs!r})\n"
        f"open({runs!r}, 'a').write('run\\n')\n"
        "sys.exit(3) if first else time.sleep(30)\n"
    )
    supervisor = Supervisor(say=lambda _: None, out=None, own_session=False)
    first = supervisor.spawn("worker", python(code))
    after = supervisor.spawn("other", python("import time; time.sleep(30)"))
    ended = supervisor.wait(threading.Event())
    assert ended is first and first.proc.returncode == 3
    again = supervisor.restart(first)
    assert supervisor.children == [again, after] and again.argv == first.argv
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    assert supervisor.wait(stop) is None
    supervisor.stop_all(timeout_s=None)
    assert again.proc.returncode == -signal.SIGTERM
    assert Path(runs).read_text() == "run\nrun\n"


def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout() -> None:
    said: list[str] = []
    out = io.StringIO()
    supervisor = Supervisor(say=said.append, out=out)
    stubborn = supervisor.spawn(
        "stubborn",
        python(
            "import signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('up', flush=True)\n"
            "time.sleep(30)\n"
        ),
    )
    while "up" not in out.getvalue():  # SIGTERM ignored from here on
        threading.Event().wait(0.05)
    supervisor.stop_all(timeout_s=0.5)
    assert stubborn.proc.returncode == -signal.SIGKILL
    assert "stubborn did not stop in 0 s; killed it" in said


@pytest.mark.parametrize("signum", STOP_SIGNALS)
def test_a_stop_signal_sets_the_threading_event(signum: int, signal_handlers: None) -> None:
    stop = threading.Event()
    stop_on_signals(stop)
    os.kill(os.getpid(), signum)
    assert stop.wait(5)


@pytest.mark.parametrize("signum", STOP_SIGNALS)
def test_a_stop_signal_sets_the_loop_event(signum: int, signal_handlers: None) -> None:
    async def main() -> bool:
        stop = loop_stop_event()
        asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signum)
        await asyncio.wait_for(stop.wait(), 5)
        return stop.is_set()

    assert asyncio.run(main())
