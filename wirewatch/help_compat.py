"""Help output fixes for the typer this code was written against: typer 0.29 (vendored click 8.3.1).

typer 0.29's rich help prints a type for every option, flags included, so
``--jsonl`` and ``--help`` read ``<bool>`` as if they took a value; click's own
help never showed one for a flag, nor does typer's plain help. ``apply`` makes
flags show no type, through typer's ``TyperOption.display_type_rich`` (a
private seam: a typer bump that renames it makes ``apply`` a no-op, and
tests/unit/kernel/test_cli_help.py says so).
"""

from __future__ import annotations

from typing import Any


def apply() -> None:
    """Called once by ``wirewatch.cli`` before the app is built; idempotent."""
    from typer.core import TyperOption

    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "_wirewatch", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) and self.metavar is None:
            return None
        return shown(self, ctx)

    display_type_rich._wirewatch = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
