"""``wirewatch up``: run the local broker and the services as child processes.

Each service is its own process (as in docker-compose), its output prefixed
with its name. A service that dies is reported and brings the whole pipeline
down: nothing is restarted silently. Services start downstream first
(deliver, process, ingest) and stop in the reverse order, upstream first, so
downstream can finish what is in flight; the broker stops last.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO

from wirewatch.processes import die_with_parent, stop_process

Say = Callable[[str], None]


@dataclass
class Child:
    """One supervised process and the thread that relays its output."""

    name: str
    argv: list[str]
    proc: subprocess.Popen[bytes] | None = None
    relay: threading.Thread | None = None
    stopping: bool = False


def _relay(name: str, stream: IO[bytes], out: IO[str], lock: threading.Lock) -> None:
    width = 8
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip("\n")
        with lock:
            out.write(f"{name:<{width}}| {line}\n")
            out.flush()


@dataclass
class Supervisor:
    """Starts children in order, watches them, stops them in order."""

    env: dict[str, str]
    say: Say = print
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    children: list[Child] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def spawn(self, name: str, argv: Sequence[str]) -> Child:
        child = Child(name, list(argv))
        child.proc = subprocess.Popen(
            child.argv,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches only us; we stop children in order
            preexec_fn=die_with_parent,
        )
        assert child.proc.stdout is not None
        child.relay = threading.Thread(
            target=_relay, args=(name, child.proc.stdout, self.out, self._lock), daemon=True
        )
        child.relay.start()
        self.children.append(child)
        self.say(f"started {name} (pid {child.proc.pid})")
        return child

    def wait(self, stop: threading.Event) -> Child | None:
        """Block until ``stop`` is set (returns None) or a child dies (returns it)."""
        while not stop.is_set():
            for child in self.children:
                if child.proc is not None and child.proc.poll() is not None:
                    return child
            stop.wait(0.2)
        return None

    def stop_all(self, timeout_s: float = 20.0) -> None:
        """SIGTERM each child, last started first; SIGKILL one that does not exit in time."""
        for child in reversed(self.children):
            proc = child.proc
            if proc is None or proc.poll() is not None:
                continue
            child.stopping = True
            if stop_process(proc, timeout_s):
                self.say(f"{child.name} did not stop in {timeout_s:.0f} s; killed it")
            if child.relay is not None:
                child.relay.join(2)
            self.say(f"stopped {child.name}")


def service_argv(command: str, *args: str) -> list[str]:
    """argv that runs one ``wirewatch`` sub-command with this interpreter."""
    return [sys.executable, "-m", "wirewatch", command, *args]


def install_stop_signals(stop: threading.Event) -> None:
    """Ctrl-C and SIGTERM set ``stop`` instead of raising in the middle of start-up."""

    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def child_env(bootstrap: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["WIREWATCH_KAFKA_BOOTSTRAP"] = bootstrap
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def elapsed(since: float) -> str:
    return f"{time.monotonic() - since:.1f} s"
