"""Through the installed ``wirewatch`` command: hostile files and bad settings end in one line, exit 2.

Each case runs the real console script in a subprocess, so the whole path from
the entry point to the message on stderr is the one a user gets.
"""

from __future__ import annotations

import os
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
