"""Hand-offs between the processor's stages, a batch at a time.

The first stage reads items a batch at a time and sends, per destination
partition, *one* record holding every candidate (or mention) of the batch
that belongs there, instead of one record each. The later stages read one
such record as one event, apply its entries in order against their table
through a ``WriteBack`` view, and write each touched key once per record.
A story joined by 40 reports in a batch is then one changelog record, not
40; that, not the matching, is what bounded the processor's throughput.

Routing is ours, not the producer's: ``route`` hashes the key (rule or
entity) to a partition, so every entry of one key always lands on the same
partition, and so on the same table partition after any rebalance.

Positions: an entry's place in its stage's input is ``position(offset,
index)``, an integer that grows with the record offset and the index inside
the record, so the stages' replay checks (``StoryStore.apply``,
``surge.observe``) work per entry: a record replayed after a crash in its
middle skips the entries whose state landed and applies the rest.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, MutableMapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from processors.stream.candidates import Candidate, Mention
from wirewatch.records import RecordError

#: Most entries one hand-off record holds (the first stage's batch is smaller).
MAX_ENTRIES = 100_000

Entry = TypeVar("Entry", Candidate, Mention)


def route(key: str, partitions: int) -> int:
    """The partition of the internal topic that owns ``key`` (stable across processes and runs)."""
    return zlib.crc32(key.encode("utf-8")) % partitions


def position(offset: int, index: int) -> int:
    """Place of entry ``index`` of the record at ``offset``: grows with both."""
    return offset * MAX_ENTRIES + index


class _Batch(BaseModel, Generic[Entry]):
    model_config = ConfigDict(frozen=True, extra="ignore")

    entries: list[Entry]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


class CandidateBatch(_Batch[Candidate]):
    """The candidates of one first-stage batch that belong to one partition."""


class MentionBatch(_Batch[Mention]):
    """The mentions of one first-stage batch that belong to one partition."""


def decode_candidates(raw: bytes) -> list[Candidate]:
    """The candidates of one hand-off record; raises ``RecordError`` for a bad one."""
    return _decode(raw, CandidateBatch, "candidate")


def decode_mentions(raw: bytes) -> list[Mention]:
    """The mentions of one hand-off record; raises ``RecordError`` for a bad one."""
    return _decode(raw, MentionBatch, "mention")


def _decode(raw: bytes, batch: type[_Batch[Any]], kind: str) -> list[Any]:
    try:
        return list(batch.model_validate_json(raw).entries)
    except ValidationError as exc:
        raise RecordError(f"bad {kind} record: {exc.errors()[0]['msg']}") from exc


class Outbox(Generic[Entry]):
    """Entries gathered during one first-stage batch, grouped by destination partition."""

    def __init__(self, partitions: int):
        self.partitions = partitions
        self._by_partition: dict[int, list[Entry]] = {}

    def add(self, key: str, entry: Entry) -> None:
        self._by_partition.setdefault(route(key, self.partitions), []).append(entry)

    def drain(self) -> Iterator[tuple[int, list[Entry]]]:
        """Each partition and its entries, in arrival order; empties the outbox."""
        by_partition, self._by_partition = self._by_partition, {}
        yield from sorted(by_partition.items())


_DELETED = object()


class WriteBack(MutableMapping[str, Any]):
    """A view of ``table`` that keeps writes and deletes until ``flush``.

    Reads see the pending writes. ``flush`` writes each touched key once (the
    last value wins; a deleted key is deleted), so a faust table sends one
    changelog record per key per hand-off record, not one per change.

    Keys are flushed in the order of their *last* change: a SIGKILL can cut
    the changelog anywhere, and the key a stage writes last (the offset that
    marks an input applied) must never land before the state it vouches for.
    """

    def __init__(self, table: MutableMapping[str, Any]):
        self.table = table
        self._pending: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._pending:
            return self.table[key]
        value = self._pending[key]
        if value is _DELETED:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._pending:
            value = self._pending[key]
            return default if value is _DELETED else value
        return self.table.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self._pending.pop(key, None)  # to the end: flushed in last-change order
        self._pending[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._pending.pop(key, None)
        self._pending[key] = _DELETED

    def __contains__(self, key: object) -> bool:
        if key in self._pending:
            return self._pending[key] is not _DELETED
        return key in self.table

    def __iter__(self) -> Iterator[str]:
        for key in self.table:
            if key not in self._pending:
                yield key
        for key, value in self._pending.items():
            if value is not _DELETED:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def flush(self) -> int:
        """Write the pending changes to the table; returns how many keys were written."""
        pending, self._pending = self._pending, {}
        for key, value in pending.items():
            if value is _DELETED:
                self.table.pop(key, None)
            else:
                self.table[key] = value
        return len(pending)
