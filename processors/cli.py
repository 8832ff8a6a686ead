"""Sub-commands of this service, added to the ``wirewatch`` app by ``register``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this service's commands to ``app``."""
