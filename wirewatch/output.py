"""What the ``wirewatch`` commands tell the person at the terminal, on stderr.

Status and errors go to stderr, each line starting with ``wirewatch: ``, so
stdout carries only data (JSON lines, tables) and can be piped. Every command
of every service speaks through these.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

PREFIX = "wirewatch: "


def say(message: str) -> None:
    """A status line: what a command did or is doing."""
    print(f"{PREFIX}{message}", file=sys.stderr, flush=True)


def error(message: str) -> None:
    """An error line; called by ``wirewatch.cli.main`` for a ``WirewatchError``."""
    say(f"error: {message}")


def fail(message: str, code: int) -> NoReturn:
    """Say ``message`` and end the command with exit ``code`` (2 for a user mistake)."""
    say(message)
    raise typer.Exit(code)
