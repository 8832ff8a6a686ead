"""Child processes run side by side: ``wirewatch up``'s services, ``wirewatch process``'s worker.

For ``up``, each service is its own process (as in docker-compose), in a
session of its own, its output prefixed with its name. A service that dies
is reported and brings the whole pipeline down: nothing is restarted
silently. Services start downstream first (deliver, process, ingest) and stop
in the reverse order, upstream first, so downstream can finish what is in
flight; the broker stops last. ``wirewatch process`` runs its faust worker as
one child sharing its terminal, and restarts it, loudly, when it exits stalled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO

from wirewatch.processes import die_with_parent, stop_process

Say = Callable[[str], None]


@dataclass
class Child:
    """One supervised process and the thread that relays its output, if it is relayed."""

    name: str
    argv: list[str]
    proc: subprocess.Popen[bytes]
    relay: threading.Thread | None = None


def _relay(name: str, stream: IO[bytes], out: IO[str], lock: threading.Lock) -> None:
    width = 8
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip("\n")
        with lock:
            out.write(f"{name:<{width}}| {line}\n")
            out.flush()


@dataclass
class Supervisor:
    """Starts children in order, watches them, restarts one on request, stops them in order."""

    #: the children's environment; None: this process's own
    env: dict[str, str] | None = None
    say: Say = print
    #: where the children's output goes, each line prefixed with the child's name;
    #: None: straight to this process's stdout and stderr
    out: IO[str] | None = field(default_factory=lambda: sys.stdout)
    #: children in a session of their own (stdin closed): a Ctrl-C at the terminal reaches
    #: only this process, which stops them in order; else they share its terminal
    own_session: bool = True
    #: what a child gets when this process dies, however it dies (``die_with_parent``)
    orphan_signal: int = signal.SIGTERM
    children: list[Child] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def spawn(self, name: str, argv: Sequence[str]) -> Child:
        """Start ``argv`` as the child ``name``, after those already started."""
        child = self._start(name, list(argv))
        self.children.append(child)
        return child

    def restart(self, child: Child) -> Child:
        """Start an ended ``child``'s command again, in its place; returns the new child."""
        again = self._start(child.name, child.argv)
        self.children[self.children.index(child)] = again
        return again

    def _start(self, name: str, argv: list[str]) -> Child:
        orphan_signal = self.orphan_signal
        relayed = self.out is not None
        proc = subprocess.Popen(
            argv,
            env=self.env,
            stdout=subprocess.PIPE if relayed else None,
            stderr=subprocess.STDOUT if relayed else None,
            stdin=subprocess.DEVNULL if self.own_session else None,
            start_new_session=self.own_session,
            preexec_fn=lambda: die_with_parent(orphan_signal),
        )
        child = Child(name, argv, proc)
        if self.out is not None:
            assert proc.stdout is not None
            child.relay = threading.Thread(
                target=_relay, args=(name, proc.stdout, self.out, self._lock), daemon=True
            )
            child.relay.start()
        self.say(f"started {name} (pid {proc.pid})")
        return child

    def wait(self, stop: threading.Event) -> Child | None:
        """Block until ``stop`` is set (returns None) or a child ends (returns it)."""
        while not stop.is_set():
            for child in self.children:
                if child.proc.poll() is not None:
                    return child
            stop.wait(0.2)
        return None

    def stop_all(self, timeout_s: float | None = 20.0) -> None:
        """SIGTERM each child, last started first; SIGKILL one still running after ``timeout_s``.

        ``timeout_s=None`` waits for each child however long it takes.
        """
        for child in reversed(self.children):
            if child.proc.poll() is not None:
                continue
            if stop_process(child.proc, timeout_s):
                self.say(f"{child.name} did not stop in {timeout_s:.0f} s; killed it")
            if child.relay is not None:
                child.relay.join(2)
            self.say(f"stopped {child.name}")


def service_argv(command: str, *args: str) -> list[str]:
    """argv that runs one ``wirewatch`` sub-command with this interpreter."""
    return [sys.executable, "-m", "wirewatch", command, *args]


def child_env(bootstrap: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["WIREWATCH_KAFKA_BOOTSTRAP"] = bootstrap
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env
