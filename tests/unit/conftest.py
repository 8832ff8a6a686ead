"""Fixtures shared by the unit tests of several areas."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from wirewatch.processes import STOP_SIGNALS


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    """For a test that installs stop-signal handlers: pytest's own come back afterwards."""
    saved = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)
