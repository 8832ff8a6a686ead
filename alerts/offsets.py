"""Which Kafka offsets may be committed: only past records whose every delivery is settled.

Pure bookkeeping. The loop calls ``add`` for each consumed record with the
number of deliveries it routed, ``settle`` as each one is delivered,
dead-lettered or queued in a digest, and commits ``positions()``: per
partition, the lowest offset still waiting (or one past the last record).
A record with nothing to deliver settles at once.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

P = TypeVar("P", bound=Hashable)


class OffsetTracker(Generic[P]):
    """Per-partition counts of unsettled deliveries, keyed by offset."""

    def __init__(self) -> None:
        # offset -> unsettled deliveries; offsets are added in increasing order,
        # so the first key of each dict is the lowest one still waiting.
        self._waiting: dict[P, dict[int, int]] = {}
        self._end: dict[P, int] = {}
        self._committed: dict[P, int] = {}

    def add(self, partition: P, offset: int, deliveries: int) -> None:
        """A record was consumed and routed to ``deliveries`` channels."""
        self._end[partition] = max(self._end.get(partition, 0), offset + 1)
        if deliveries > 0:
            self._waiting.setdefault(partition, {})[offset] = deliveries

    def settle(self, partition: P, offset: int) -> None:
        """One delivery of the record at ``offset`` is settled."""
        waiting = self._waiting.get(partition)
        if waiting is None or offset not in waiting:
            return  # the partition was revoked meanwhile
        waiting[offset] -= 1
        if waiting[offset] <= 0:
            del waiting[offset]

    def in_flight(self) -> int:
        """Records consumed but not yet settled, all partitions."""
        return sum(len(w) for w in self._waiting.values())

    def position(self, partition: P) -> int | None:
        """The offset to commit for ``partition`` (next record to read after a restart)."""
        if partition not in self._end:
            return None
        waiting = self._waiting.get(partition)
        return next(iter(waiting)) if waiting else self._end[partition]

    def to_commit(self) -> dict[P, int]:
        """Positions that moved since the last ``committed`` call."""
        moved = {}
        for partition in self._end:
            pos = self.position(partition)
            if pos is not None and pos > self._committed.get(partition, -1):
                moved[partition] = pos
        return moved

    def committed(self, positions: dict[P, int]) -> None:
        """Record that ``positions`` were committed to Kafka."""
        self._committed.update(positions)

    def forget(self, partition: P) -> None:
        """Drop a revoked partition: its unsettled records will be read again by its next owner."""
        self._waiting.pop(partition, None)
        self._end.pop(partition, None)
        self._committed.pop(partition, None)
