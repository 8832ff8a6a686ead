"""User mistakes reach the terminal as one line and exit 2, never a traceback."""

from __future__ import annotations

import socket
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


def test_a_backtest_before_the_items_retention_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # Before the retention bound this reached kafka-python as a negative target time (a ValueError).
    assert main(["backtest", "--since", "100000d"]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err.splitlines()) == (
        "",
        [
            "--since: '100000d' reaches back further than the items topic keeps items "
            "(14d, WIREWATCH_ITEMS_RETENTION_HOURS=336): give at most 14d"
        ],
    )


def test_a_backtest_against_a_dead_broker_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fresh_settings: None
) -> None:
    with socket.socket() as unused:  # a port the OS just gave out, that nobody listens on
        unused.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{unused.getsockname()[1]}"
    monkeypatch.setenv("WIREWATCH_KAFKA_BOOTSTRAP", address)
    monkeypatch.setenv("WIREWATCH_KAFKA_PROBE_S", "0.5")
    assert main(["backtest", "--since", "1h", "--watchlist", WATCHLIST]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert (captured.out, captured.err.splitlines()) == (
        "",
        [
            f"wirewatch: error: Kafka at {address} does not answer within 0.5 s: "
            "is `wirewatch broker` running? else point WIREWATCH_KAFKA_BOOTSTRAP at a running Kafka"
        ],
    )
