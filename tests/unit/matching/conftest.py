"""Fixtures of the matching unit tests: the demo watchlist, engines, a YAML-to-engine helper.

Every engine fixture comes twice: the native per-text pass and the Python
one (``path``), so each behaviour test holds for both. No I/O beyond reading
files of the repository.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from matching_eval import REPO, eval_watchlist

from processors.matching import Engine
from wirewatch.watchlist import Watchlist, load_watchlist, parse_watchlist

#: A copy of ../shared/samples/fr-syrie-frappes-russes.txt, the acceptance case.
SAMPLE = Path(__file__).resolve().parent / "data" / "headline-fr.txt"


@pytest.fixture(scope="session")
def demo_watchlist() -> Watchlist:
    """``config/watchlist.yaml`` as shipped."""
    return load_watchlist(REPO / "config" / "watchlist.yaml")


@pytest.fixture(scope="session", params=[True, False], ids=["native", "python"])
def path(request: pytest.FixtureRequest) -> bool:
    """Whether engines use the native per-text pass (``True``) or the Python one."""
    return bool(request.param)


@pytest.fixture(scope="session")
def demo_engine(demo_watchlist: Watchlist, path: bool) -> Engine:
    """The engine of the demo watchlist."""
    return Engine.build(demo_watchlist, native=path)


@pytest.fixture(scope="session")
def eval_engine(path: bool) -> Engine:
    """The engine the evaluation set is scored with (demo watchlist + extras)."""
    return Engine.build(eval_watchlist(), native=path)


@pytest.fixture(scope="session")
def headline() -> str:
    """The demo's headline story (French)."""
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def engine_of(path: bool) -> Callable[[str], Engine]:
    """Build an engine from watchlist YAML text."""
    return lambda text: Engine.build(parse_watchlist(text, "test.yaml"), native=path)
