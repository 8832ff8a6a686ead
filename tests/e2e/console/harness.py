"""The console's test harness: ``wirewatch console`` as a process, its users, alerts on its topic.

- ``console_env``: the environment a test's console (and its CLI calls) run with: the
  session broker, the test's topic prefix and data dir, ``WIREWATCH_CONSOLE_PORT=0``.
- ``add_user``: ``wirewatch console user add NAME --role ROLE --password-stdin``, the real CLI.
- ``ConsoleProcess``: starts ``wirewatch console``, waits for the contract's first stdout
  line ``console: http://HOST:PORT`` and keeps that URL; ``stop`` sends SIGTERM
  (``wirewatch.processes.stop_process``). A console that exits or stays silent fails the
  test with its output.
- ``AlertsTopic``: produces alerts (``wirewatch.records.Alert``) onto the test's alerts
  topic, keyed by story as the processors key them; returns when the broker has them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from wirewatch.broker import free_port
from wirewatch.processes import stop_process
from wirewatch.records import Alert
from wirewatch.settings import Settings
from wirewatch.topics import Topics

REPO = Path(__file__).resolve().parents[3]
#: The console's first stdout line once it serves (DESIGN.md, "Console contract").
READY = re.compile(r"^console: (http://[^\s/]+:\d+)/?\s*$")
#: A console catching up on an empty topic on a busy 2-core machine starts well within this.
START_TIMEOUT_S = 60.0
#: The key signing the console's cookies (else it makes one in the data dir: the same, but slower to read).
SESSION_KEY = "test-session-key-0123456789abcdef0123456789abcdef"


def console_env(settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of this test's console process and of its CLI calls."""
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        # The checkout's packages, console among them, even before an editable install maps it.
        "PYTHONPATH": f"{REPO}{os.pathsep}{path}" if path else str(REPO),
        # Search knows the watchlist's spellings (Idleb for Idlib), as a deployed console does.
        "WIREWATCH_WATCHLIST": str(REPO / "config" / "watchlist.yaml"),
        # The workbench checks notify names against it, as a deployed console does.
        "WIREWATCH_CHANNELS": str(REPO / "config" / "channels.yaml"),
        "WIREWATCH_KAFKA_BOOTSTRAP": settings.kafka_bootstrap or "",
        "WIREWATCH_TOPIC_PREFIX": settings.topic_prefix,
        "WIREWATCH_PARTITIONS": str(settings.partitions),
        "WIREWATCH_DATA_DIR": str(settings.data_dir),
        "WIREWATCH_CONSOLE_PORT": "0",
        # Its own metrics port, should the console serve /metrics apart: parallel consoles never collide.
        "WIREWATCH_CONSOLE_METRICS_PORT": str(free_port()),
        "WIREWATCH_CONSOLE_SECRET": SESSION_KEY,
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


def wirewatch(*args: str) -> list[str]:
    """The command line of ``wirewatch ARGS`` in this interpreter."""
    return [sys.executable, "-m", "wirewatch", *args]


def add_user(env: Mapping[str, str], name: str, password: str, role: str = "analyst") -> None:
    """Create a console account through the real CLI; fail the test with its output if it refuses."""
    done = subprocess.run(
        wirewatch("console", "user", "add", name, "--role", role, "--password-stdin"),
        input=password + "\n",
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        pytest.fail(
            f"`wirewatch console user add {name} --role {role}` exited {done.returncode}:\n"
            f"{done.stdout}{done.stderr}",
            pytrace=False,
        )


class ConsoleProcess:
    """One ``wirewatch console`` run; stdout and stderr go to files in ``logs``."""

    def __init__(self, env: Mapping[str, str], logs: Path, command: Sequence[str] | None = None) -> None:
        self.env = dict(env)
        self.logs = logs
        self.command = list(command or wirewatch("console"))
        self.out = logs / "console.out"
        self.err = logs / "console.err"
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout_s: float = START_TIMEOUT_S) -> str:
        """Start it and wait for ``console: http://HOST:PORT``; its URL (no trailing slash)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(
                self.command, env=self.env, cwd=self.logs, stdout=out, stderr=err, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + timeout_s
        while True:
            lines = self.out.read_text(errors="replace").splitlines(keepends=True)
            if lines and lines[0].endswith("\n"):
                ready = READY.match(lines[0])
                if not ready:
                    self.stop()
                    pytest.fail(
                        f"`wirewatch console`'s first line is not `console: http://HOST:PORT`:"
                        f" {lines[0]!r}\n{self.tail()}",
                        pytrace=False,
                    )
                self.url = ready.group(1)
                return self.url
            if self.proc.poll() is not None:
                pytest.fail(
                    f"`wirewatch console` exited {self.proc.returncode} before serving:\n{self.tail()}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"`wirewatch console` did not serve within {timeout_s:.0f} s:\n{self.tail()}")
            time.sleep(0.05)

    def stop(self) -> int | None:
        """SIGTERM (SIGKILL after 15 s); its exit code, None if it had to be killed."""
        if self.proc is None:
            return None
        killed = stop_process(self.proc, 15.0)
        return None if killed else self.proc.returncode

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, lines: int = 40) -> str:
        """The last ``lines`` of its stdout and stderr."""
        parts = []
        for path in (self.out, self.err):
            text = path.read_text(errors="replace").splitlines() if path.exists() else []
            parts.append(f"----- {path.name} ({len(text)} lines) -----\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)


class AlertsTopic:
    """The test's alerts topic, with a producer opened once (so a send measures the send, not a connect)."""

    def __init__(self, settings: Settings) -> None:
        from kafka import KafkaProducer

        self.topic = Topics.from_settings(settings).alerts
        self._producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", linger_ms=0)

    def produce(self, *alerts: Alert) -> float:
        """Publish ``alerts`` keyed by story; ``time.monotonic()`` once the broker acknowledged them all."""
        sent = [
            self._producer.send(self.topic, key=alert.story_key.encode(), value=alert.to_bytes())
            for alert in alerts
        ]
        self._producer.flush(15)
        for future in sent:
            future.get(15)  # raises what the broker answered, if it refused one
        return time.monotonic()

    def close(self) -> None:
        self._producer.close()
