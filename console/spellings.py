"""What search learns from the watchlist: each alias and plain term, with its canonical name.

From the watchlist file at start (``from_file``) and from every version on the watchlist
topic (``from_value``, as ``wirewatch watchlist apply`` publishes them), so that a spelling
the reports never used still finds its stories: "Idleb" finds a story told as Idlib.
"""

from __future__ import annotations

import logging
from pathlib import Path

from wirewatch.errors import WirewatchError
from wirewatch.watchlist import Watchlist, load_watchlist, parse_watchlist

log = logging.getLogger(__name__)

Pairs = list[tuple[str, str]]


def spellings_of(watchlist: Watchlist) -> Pairs:
    """(spelling, canonical name) of every actor's and region's names and every plain term."""
    pairs = [(s, e.name) for e in (*watchlist.actors, *watchlist.regions) for s in e.spellings]
    pairs += [(t, e.name) for e in watchlist.escalations for t in e.terms.all() if "*" not in t]
    return pairs


def from_file(path: Path) -> Pairs:
    """The spellings of the watchlist file ``path``; none (and a warning) if it does not load."""
    try:
        return spellings_of(load_watchlist(path))
    except (WirewatchError, OSError) as exc:
        log.warning("search knows no spellings from %s: %s", path, exc)
        return []


def from_value(value: bytes | None, where: str) -> Pairs:
    """The spellings of one watchlist topic value (YAML); none (and a warning) if it is not valid."""
    try:
        return spellings_of(parse_watchlist((value or b"").decode("utf-8"), where))
    except (WirewatchError, UnicodeDecodeError) as exc:
        log.warning("search skips the watchlist at %s: %s", where, str(exc).splitlines()[0][:200])
        return []
