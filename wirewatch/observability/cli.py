"""``wirewatch dashboard``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the observability commands to ``app``."""
