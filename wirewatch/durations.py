"""Durations as people write them, in every config file and CLI option: ``30s``, ``5m``, ``2h``.

A duration is a number followed by an optional unit — ``ms``, ``s``, ``m``, ``h``,
``d`` or ``w``, in any case, with spaces allowed around it — and a bare number
is seconds. YAML models declare ``Duration`` fields (their errors come out as
``file:line: message`` through ``wirewatch.configfile``); CLI commands call
``parse_duration``, whose ``ConfigError`` the CLI prints as one line, exit 2.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError

from wirewatch.errors import ConfigError, Issue

#: Seconds in one of each unit.
UNITS: dict[str, float] = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}

EXPECTED = "a duration like 500ms, 30s, 5m, 2h, 7d, 2w or a number of seconds"

_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_NUMBER = TypeAdapter(float)


def seconds(text: str) -> float:
    """``"15m"`` → 900.0; raises ``ValueError`` saying what was expected.

    A bare number may be written any way pydantic reads a float (``1e3``, ``.5``,
    ``1_000``), as channels.yaml always allowed; it must be finite and not negative.
    """
    match = _AMOUNT.match(text)
    if match is not None:
        unit = match.group(2).lower() or "s"
        if unit in UNITS:
            return float(match.group(1)) * UNITS[unit]
    else:
        try:
            value = _NUMBER.validate_python(text)
        except ValidationError:
            pass
        else:
            if math.isfinite(value) and value >= 0:
                return value
    raise ValueError(f"expected {EXPECTED}, got {text!r}")


def _from_yaml(value: object) -> object:
    # Numbers (and anything not a string) go on to pydantic's own float validation.
    return seconds(value) if isinstance(value, str) else value


#: Seconds, greater than zero, written in YAML as ``30s``, ``15m``, ``1h``, ``500ms`` or a number.
Duration = Annotated[float, BeforeValidator(_from_yaml), Field(gt=0)]


def parse_duration(text: str, option: str, alternative: str = "") -> float:
    """Seconds in the value of a CLI ``option`` (zero allowed); called by the command using it.

    Raises ``ConfigError`` naming the option, which the CLI prints as one line
    and exit 2; ``alternative`` adds to what was expected (``"or an ISO-8601 time"``).
    """
    try:
        return seconds(text)
    except ValueError:
        also = f" {alternative}" if alternative else ""
        raise ConfigError([Issue(option, None, f"expected {EXPECTED}{also}, got {text!r}")]) from None
