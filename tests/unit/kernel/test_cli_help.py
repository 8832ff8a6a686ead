"""Every command's help reads the same way: no <bool> on flags, no reST backticks, one example."""

from __future__ import annotations

import importlib.metadata

import pytest

from wirewatch.cli import main

COMMANDS = [
    [],
    ["broker"],
    ["up"],
    ["ingest"],
    ["feeds"],
    ["feeds", "check"],
    ["feeds", "preview"],
    ["try"],
    ["watchlist"],
    ["watchlist", "check"],
    ["watchlist", "apply"],
    ["process"],
    ["backtest"],
    ["deliver"],
    ["dlq"],
    ["dlq", "replay"],
    ["channels"],
    ["channels", "check"],
    ["channels", "test"],
    ["dashboard"],
    ["metrics"],
]

#: Commands that run until stopped, and say so in the same words.
SERVICES = [["broker"], ["up"], ["ingest"], ["process"], ["deliver"]]


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Help lines unwrapped, so a phrase is found whatever the width of the test's terminal."""
    monkeypatch.setenv("COLUMNS", "250")


def help_of(command: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*command, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "wirewatch")
def test_help_shows_no_bool_metavar_no_backticks_and_one_example(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of(command, capsys)
    assert "<bool>" not in text  # typer 0.29 shows it for every flag; wirewatch.help_compat hides it
    assert "`" not in text
    assert text.count("Example: wirewatch ") + text.count("Example (") == 1


@pytest.mark.parametrize("command", SERVICES, ids=" ".join)
def test_every_service_says_how_it_stops_in_the_same_words(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert "Ctrl-C or SIGTERM stops it" in help_of(command, capsys)


def test_help_of_flags_keeps_the_types_of_options_that_take_a_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = help_of(["backtest"], capsys)
    assert "<str>" in text and "<path>" in text


def test_version_is_the_installed_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (f"wirewatch {importlib.metadata.version('wirewatch')}\n", "")
