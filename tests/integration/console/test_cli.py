"""``wirewatch console`` and its account commands, as a user runs them (a real process)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from wirewatch.processes import stop_process

REPO = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WIREWATCH_DATA_DIR": str(tmp_path / "var"),
        "WIREWATCH_CONSOLE_PORT": "0",
        "WIREWATCH_CONSOLE_METRICS_PORT": "0",  # the console serves /metrics now: no fixed port
        "WIREWATCH_KAFKA_BOOTSTRAP": "127.0.0.1:1",  # nothing listens: the console serves anyway
        "PYTHONUNBUFFERED": "1",
    }


def wirewatch(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wirewatch", "console", *args],
        input=stdin,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_accounts_and_tokens(env: dict[str, str]) -> None:
    added = wirewatch(
        env, "user", "add", "ana", "--role", "analyst", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert added.returncode == 0, added.stderr
    assert "user ana (analyst) added" in added.stderr and PASSWORD not in added.stderr + added.stdout
    created = wirewatch(env, "token", "create", "ana")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert re.fullmatch(r"wwt_[\w-]{40,}", token)
    token_id = re.search(r"token (\w+) for ana", created.stderr)
    assert token_id and token not in created.stderr
    assert wirewatch(env, "token", "revoke", token_id[1]).returncode == 0
    assert wirewatch(env, "user", "disable", "ana").returncode == 0


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("user", "add", "ana", "--role", "boss", "--password-stdin"), PASSWORD, "role 'boss'"),
        (("user", "add", "ana", "--role", "viewer"), "", "--password-stdin"),
        (("user", "add", "ana", "--role", "viewer", "--password-stdin"), "short\n", "at least 8"),
        (("user", "disable", "nobody"), "", "no user 'nobody'"),
        (("token", "create", "nobody"), "", "no user 'nobody'"),
        (("token", "revoke", "feedface"), "", "no token 'feedface'"),
    ],
)
def test_every_mistake_is_one_line_and_exit_2(env: dict[str, str], args, stdin: str, message: str) -> None:
    done = wirewatch(env, *args, stdin=stdin)
    assert done.returncode == 2, done
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_it_serves_its_url_first_while_kafka_is_away(env: dict[str, str], tmp_path: Path) -> None:
    wirewatch(env, "user", "add", "ana", "--role", "viewer", "--password-stdin", stdin=PASSWORD)
    proc = subprocess.Popen(
        [sys.executable, "-m", "wirewatch", "console"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.fullmatch(r"console: (http://127\.0\.0\.1:\d+)\n", first)
        assert found, first
        url = found[1]
        health = httpx.get(f"{url}/healthz", timeout=10)
        assert health.status_code == 200
        deadline = time.monotonic() + 20
        while httpx.get(f"{url}/healthz", timeout=10).json()["projection"] != "connecting":
            assert time.monotonic() < deadline, "the projector never said Kafka is away"
            time.sleep(0.2)
        page = httpx.get(f"{url}/", timeout=10)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        key = tmp_path / "var" / "console" / "secret.key"
        assert key.stat().st_mode & 0o777 == 0o600
    finally:
        stop_process(proc)  # type: ignore[arg-type]
        errors = proc.stderr.read() if proc.stderr else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == 0, errors
    assert "Unclosed" not in errors and "Traceback" not in errors, errors
