"""``wirewatch.output``: every command's status and error lines, on stderr, with one prefix."""

from __future__ import annotations

import pytest
import typer

from wirewatch.output import error, fail, say


def test_lines_go_to_stderr_with_the_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    say("Kafka ready in 4.2 s")
    error("topic wirewatch.items.v1 does not exist")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "wirewatch: Kafka ready in 4.2 s",
        "wirewatch: error: topic wirewatch.items.v1 does not exist",
    ]


@pytest.mark.parametrize("code", [1, 2])
def test_fail_says_why_and_ends_the_command_with_its_code(
    code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as caught:
        fail("no channel named 'x' in channels.yaml", code)
    assert caught.value.exit_code == code
    assert capsys.readouterr().err == "wirewatch: no channel named 'x' in channels.yaml\n"
