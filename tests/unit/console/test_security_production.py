"""Production mode: no secret is a one-line error and exit 2 (a real `wirewatch console`); cookies Secure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.service import secret_key, secure_cookies
from wirewatch.errors import ConfigError
from wirewatch.settings import Settings

REPO = Path(__file__).resolve().parents[3]


def console(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "wirewatch", "console"],
        env={
            **base,
            "WIREWATCH_DATA_DIR": str(tmp_path / "var"),
            "WIREWATCH_CONSOLE_PORT": "0",
            "WIREWATCH_CONSOLE_METRICS_PORT": "0",
            **env,
        },
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("secret", [None, ""])  # compose passes an unset variable as ""
def test_production_without_a_secret_is_one_line_and_exit_2(tmp_path: Path, secret: str | None) -> None:
    env = {"WIREWATCH_CONSOLE_MODE": "production"}
    if secret is not None:
        env["WIREWATCH_CONSOLE_SECRET"] = secret
    done = console(tmp_path, **env)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "WIREWATCH_CONSOLE_SECRET" in lines[0] and "production" in lines[0], lines
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "var" / "console" / "secret.key").exists()  # no key file made for it


def test_a_short_secret_is_refused_without_being_printed(tmp_path: Path) -> None:
    done = console(tmp_path, WIREWATCH_CONSOLE_MODE="production", WIREWATCH_CONSOLE_SECRET="hunter2-secret")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "hunter2-secret" not in done.stderr + done.stdout


def test_a_bad_mode_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = console(tmp_path, WIREWATCH_CONSOLE_MODE="prod")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done
    assert "WIREWATCH_CONSOLE_MODE" in done.stderr and "Traceback" not in done.stderr


def test_production_takes_the_secret_from_the_environment(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, console_mode="production", console_secret="s" * 32)
    assert secret_key(settings) == b"s" * 32
    with pytest.raises(ConfigError, match="required in production mode"):
        secret_key(Settings(data_dir=tmp_path, console_mode="production"))


@pytest.mark.parametrize(
    ("mode", "configured", "secure"),
    [
        ("demo", None, False),
        ("production", None, True),
        ("production", False, False),  # a deliberate choice (TLS ends elsewhere, http inside) holds
        ("demo", True, True),
    ],
)
def test_cookies_are_secure_by_default_in_production(
    mode: str, configured: bool | None, secure: bool
) -> None:
    settings = Settings(console_mode=mode, console_secure_cookies=configured)
    assert secure_cookies(settings) is secure
