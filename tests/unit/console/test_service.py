"""The console process's files: the signing key (env, else a 0600 file), the watchlist's spellings."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from console import spellings
from console.service import secret_key
from wirewatch.errors import ConfigError
from wirewatch.settings import Settings

REPO = Path(__file__).resolve().parents[3]


def test_the_key_comes_from_the_environment(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, console_secret="s" * 32)
    assert secret_key(settings) == b"s" * 32
    assert not (tmp_path / "console" / "secret.key").exists()
    with pytest.raises(ConfigError, match="at least 16"):
        secret_key(Settings(data_dir=tmp_path, console_secret="short"))
    # an empty value (compose passes an unset variable as "") is no value: the key file serves
    assert len(secret_key(Settings(data_dir=tmp_path, console_secret=""))) >= 32


def test_else_it_is_made_once_owner_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = secret_key(settings)
    path = tmp_path / "console" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 32
    assert secret_key(settings) == first
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        secret_key(settings)


def test_the_watchlist_gives_search_its_spellings(tmp_path: Path) -> None:
    path = REPO / "config" / "watchlist.yaml"
    assert ("Idleb", "Idlib") in spellings.from_file(path)
    assert spellings.from_value(path.read_bytes(), "topic@0") == spellings.from_file(path)
    assert spellings.from_file(tmp_path / "none.yaml") == []
    assert spellings.from_value(b"version: [", "topic@1") == []
    assert spellings.from_value(b"\xff", "topic@2") == []
