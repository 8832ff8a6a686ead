"""Through the installed ``wirewatch`` command: hostile files and bad settings end in one line, exit 2.

Each case runs the real console script in a subprocess, so the whole path from
the entry point to the message on stderr is the one a user gets.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WIREWATCH = Path(sys.executable).parent / "wirewatch"
BOMB = REPO / "tests" / "unit" / "kernel" / "data" / "bomb.yaml"


def wirewatch(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``wirewatch args`` in the repository, with only the ``WIREWATCH_*`` variables given."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    clean["WIREWATCH_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [str(WIREWATCH), *args],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", [["watchlist", "check"], ["feeds", "check"], ["channels", "check"]])
def test_an_alias_bomb_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    run = wirewatch([*command, str(BOMB)], tmp_path)
    assert "Traceback" not in run.stderr
    assert (run.returncode, run.stdout, run.stderr.splitlines()) == (
        2,
        "",
        [f"{BOMB}:2: YAML anchors and aliases are not supported"],
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WIREWATCH_PARTITIONS", "abc"),
        ("WIREWATCH_LOG_LEVEL", "LOUD"),
        ("WIREWATCH_KAFKA_BOOTSTRAP", "127.0.0.1:notaport"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(tmp_path: Path, variable: str, value: str) -> None:
    # The wording of each message is tested in kernel/test_settings_errors.py.
    run = wirewatch(["channels", "check", "config/channels.yaml"], tmp_path, **{variable: value})
    assert "Traceback" not in run.stderr
    assert (run.returncode, run.stdout, len(run.stderr.splitlines())) == (2, "", 1)
    assert run.stderr.startswith(f"{variable}: expected ") and run.stderr.endswith(f", got {value!r}\n")


def free_port() -> int:
    """A port nobody listens on: bound for a moment by the OS's choice, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "command",
    [
        ["backtest", "--since", "1h"],
        ["dlq", "replay"],
        ["ingest", "--once"],
        ["deliver"],
        ["process"],
        ["watchlist", "apply", "config/watchlist.yaml"],
        ["up"],
    ],
    ids=" ".join,
)
def test_a_dead_broker_is_one_line_within_the_probe_time_and_exit_1(
    tmp_path: Path, command: list[str]
) -> None:
    # Without the probe a client waits its own bootstrap timeout (30 s) and logs every retry.
    address = f"127.0.0.1:{free_port()}"
    run = wirewatch(command, tmp_path, WIREWATCH_KAFKA_BOOTSTRAP=address, WIREWATCH_KAFKA_PROBE_S="0.5")
    assert "Traceback" not in run.stderr
    assert (run.returncode, run.stdout, run.stderr.splitlines()) == (
        1,
        "",
        [
            f"wirewatch: error: Kafka at {address} does not answer within 0.5 s: "
            "is `wirewatch broker` running? else point WIREWATCH_KAFKA_BOOTSTRAP at a running Kafka"
        ],
    )


@pytest.mark.parametrize(
    ("since", "message"),
    [
        (
            "100000d",
            "--since: '100000d' reaches back further than the items topic keeps items "
            "(14d, WIREWATCH_ITEMS_RETENTION_HOURS=336): give at most 14d",
        ),
        ("2999-01-01", "--since: '2999-01-01' is in the future"),
    ],
)
def test_a_backtest_since_the_items_topic_cannot_answer_is_one_line_and_exit_2(
    tmp_path: Path, since: str, message: str
) -> None:
    run = wirewatch(["backtest", "--since", since], tmp_path, WIREWATCH_KAFKA_BOOTSTRAP="127.0.0.1:9")
    assert "Traceback" not in run.stderr
    assert (run.returncode, run.stdout, run.stderr.splitlines()) == (2, "", [message])


def test_try_refuses_stdin_that_is_not_utf8_in_one_line() -> None:
    # A pipe's bytes, not Python's text: surrogateescape would otherwise let them through as text.
    run = subprocess.run(
        [str(WIREWATCH), "try"],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")},
        input="Frappes aériennes sur Idl".encode() + b"\xffeb",
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert (run.returncode, run.stdout, run.stderr.decode().splitlines()) == (
        2,
        b"",
        ["<stdin>:1: not UTF-8 text: byte 0xff"],
    )
