"""User mistakes reach the terminal as one line and exit 2, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from processors.matching import native
from wirewatch.cli import main
from wirewatch.settings import get_settings

REPO = Path(__file__).resolve().parents[3]
WATCHLIST = str(REPO / "config" / "watchlist.yaml")


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """The environment a test sets is what the command's settings read."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_bad_duration_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--since", "5x"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "--since: expected a duration like 500ms, 30s, 5m, 2h, 7d, 2w or a number of seconds "
        "or an ISO-8601 time, got '5x'"
    ]


def test_native_matching_required_but_not_built_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fresh_settings: None
) -> None:
    monkeypatch.setenv("WIREWATCH_MATCHING", "native")
    monkeypatch.setattr(native, "_native", None)
    assert main(["try", "--watchlist", WATCHLIST, "Frappes sur Idleb"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "wirewatch: error: WIREWATCH_MATCHING=native but the native matching pass is not built: "
        "build it with cargo ≥ 1.78: make setup, or set WIREWATCH_MATCHING=auto"
    ]


@pytest.mark.parametrize("value", ["fast", "Rust "])
def test_a_bad_matching_mode_is_one_line(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fresh_settings: None
) -> None:
    monkeypatch.setenv("WIREWATCH_MATCHING", value)
    assert main(["try", "--watchlist", WATCHLIST, "Frappes sur Idleb"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"WIREWATCH_MATCHING: expected 'auto', 'native' or 'python', got {value!r}"
    ]
