"""When a worker with records waiting has stopped making progress.

faust can come back from a crash-time rebalance with its fetcher idle while
its partitions have a backlog (about one restart in three after a SIGKILL,
here; resuming partitions and flow does not wake it). The worker then exits
so `wirewatch process` starts a new one: records are at-least-once and
every stage is replay-safe.

Progress is a record handled by an agent, but also a changelog record
applied while the tables recover, and the first engine still being built:
a worker restoring a week of changelog, or compiling a large watchlist, is
busy, not stalled, and restarting it would only start that work again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field


@dataclass
class Watchdog:
    """Feed it ``stalled(...)`` every few seconds; True once the worker is stuck."""

    stall_after_s: float
    _mark: tuple[Hashable, ...] | None = field(default=None, init=False)
    _since: float = field(default=0.0, init=False)

    def stalled(self, now: float, handled: int, recovered: Hashable, starting: bool, waiting: int) -> bool:
        """Whether nothing moved for ``stall_after_s`` while ``waiting`` records wait.

        ``handled``: records the agents handled so far; ``recovered``: any value
        that changes as changelog records are applied; ``starting``: the first
        engine is not built yet; ``waiting``: records on the worker's partitions
        not yet committed.
        """
        mark = (handled, recovered)
        if mark != self._mark or starting or waiting == 0:
            self._mark, self._since = mark, now
            return False
        return now - self._since > self.stall_after_s

    def idle_s(self, now: float) -> float:
        """Seconds since the last progress."""
        return now - self._since


@dataclass
class StallCheck:
    """A ``Watchdog`` fed from the running worker: each reading is a callable.

    ``handled``: records the stages handled; ``recovered``: a mark that moves
    while tables recover; ``starting``: the first engine is not built yet;
    ``waiting``: records not yet committed on the worker's own partitions.
    """

    watchdog: Watchdog
    handled: Callable[[], int]
    recovered: Callable[[], Hashable]
    starting: Callable[[], bool]
    waiting: Callable[[], int]

    def stalled(self, now: float) -> tuple[bool, int]:
        """Whether the worker is stuck, and how many records wait on its partitions."""
        waiting = self.waiting()
        stuck = self.watchdog.stalled(now, self.handled(), self.recovered(), self.starting(), waiting)
        return stuck, waiting
