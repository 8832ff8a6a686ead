"""What ingest remembers across restarts, in SQLite under ``<data_dir>/ingest/``.

Two things: each feed's conditional-GET validators, and a bounded seen-set
(item id → content hash, revisions, last seen). Both advance only in
``commit``, which the poll loop calls after the broker acknowledged that
feed's items: a crash before it re-fetches and re-publishes rather than loses.

The seen-set is held in memory (loaded at start, oldest first) and written
through; past ``seen_max`` ids the least recently seen are forgotten. Ids
still present in a feed are touched (at most hourly), so they are not.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ingest.fetch import Validators
from wirewatch.settings import Settings

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
#: A seen id is re-stamped at most this often, to keep polls from writing on every item.
TOUCH_EVERY_S = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    feed_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    revisions INTEGER NOT NULL DEFAULT 0,
    last_seen REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_by_age ON seen (last_seen);
"""


class Novelty(Enum):
    """What an item is to the seen-set."""

    NEW = "new"  # never published: publish
    UPDATED = "updated"  # published, but its text changed since: publish again, same id
    KNOWN = "known"  # published with this text, or edited more than max_updates times


@dataclass
class Seen:
    hash: str
    revisions: int
    last_seen: float


@dataclass(frozen=True)
class Record:
    """One seen-set entry to write at commit: a publication or a touch."""

    id: str
    hash: str
    revisions: int


def state_path(settings: Settings) -> Path:
    """Where ingest keeps its state for these settings."""
    return settings.data_dir / "ingest" / "state.sqlite3"


class IngestState:
    """Validators and seen-set of one ingest process; used from the event-loop thread only."""

    def __init__(self, path: Path | None, seen_max: int = 200_000, max_updates: int = 3):
        """Open (or create) the state at ``path``; None keeps it in memory (tests, previews)."""
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.seen_max = seen_max
        self.max_updates = max_updates
        self._db = sqlite3.connect(path or ":memory:", isolation_level=None)
        # WAL survives a killed process; NORMAL sync is enough for that (not for power loss).
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._seen: OrderedDict[str, Seen] = OrderedDict(
            (row[0], Seen(row[1], row[2], row[3]))
            for row in self._db.execute("SELECT id, hash, revisions, last_seen FROM seen ORDER BY last_seen")
        )
        self._validators = {
            row[0]: (row[1], Validators(row[2], row[3]))
            for row in self._db.execute("SELECT feed_id, url, etag, last_modified FROM feeds")
        }

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        """Number of ids in the seen-set."""
        return len(self._seen)

    def validators(self, feed_id: str, url: str) -> Validators:
        """The validators last committed for this feed, or none if its URL changed since."""
        stored = self._validators.get(feed_id)
        return stored[1] if stored is not None and stored[0] == url else Validators()

    def novelty(self, item_id: str, content_hash: str) -> tuple[Novelty, int]:
        """Whether to publish an item, and the revision it would be (0 = first telling)."""
        seen = self._seen.get(item_id)
        if seen is None:
            return Novelty.NEW, 0
        if seen.hash == content_hash or seen.revisions >= self.max_updates:
            return Novelty.KNOWN, seen.revisions
        return Novelty.UPDATED, seen.revisions + 1

    def touch(self, item_id: str, now: float | None = None) -> Record | None:
        """A re-stamp of a known id, if it was last stamped long enough ago; else None."""
        seen = self._seen.get(item_id)
        if seen is None or (now or time.time()) - seen.last_seen < TOUCH_EVERY_S:
            return None
        return Record(item_id, seen.hash, seen.revisions)

    def commit(self, feed_id: str, url: str, validators: Validators | None, records: Iterable[Record]) -> int:
        """Advance one feed after its items were acknowledged; returns ids forgotten to stay bounded.

        ``validators`` None leaves the feed's stored validators as they are.
        """
        now = time.time()
        rows = {r.id: (r.id, r.hash, r.revisions, now) for r in records}
        forgotten = self._overflow(rows)
        for item_id in forgotten:
            rows.pop(item_id, None)
        with self._db:  # one transaction: validators and seen-set move together
            self._db.execute("BEGIN")
            if validators is not None:
                self._db.execute(
                    "INSERT INTO feeds (feed_id, url, etag, last_modified, updated_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(feed_id) DO UPDATE SET url=excluded.url, etag=excluded.etag,"
                    " last_modified=excluded.last_modified, updated_at=excluded.updated_at",
                    (feed_id, url, validators.etag, validators.last_modified, now),
                )
            self._db.executemany(
                "INSERT INTO seen (id, hash, revisions, last_seen) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET hash=excluded.hash, revisions=excluded.revisions,"
                " last_seen=excluded.last_seen",
                rows.values(),
            )
            self._db.executemany("DELETE FROM seen WHERE id = ?", [(i,) for i in forgotten])
        # Memory follows the database only once the transaction is in.
        if validators is not None:
            self._validators[feed_id] = (url, validators)
        for item_id, content_hash, revisions, stamp in rows.values():
            self._seen[item_id] = Seen(content_hash, revisions, stamp)
            self._seen.move_to_end(item_id)
        for item_id in forgotten:
            self._seen.pop(item_id, None)
        return len(forgotten)

    def _overflow(self, incoming: Mapping[str, object]) -> list[str]:
        """Ids to forget so that the seen-set plus ``incoming`` stays within ``seen_max``.

        The least recently seen go first; ``incoming`` ids count as the most recent,
        in their order (only a single poll larger than ``seen_max`` reaches them).
        """
        excess = len(self._seen) + sum(i not in self._seen for i in incoming) - self.seen_max
        if excess <= 0:
            return []
        out: list[str] = []
        for item_id in self._seen:
            if len(out) >= excess:
                return out
            if item_id not in incoming:
                out.append(item_id)
        log.warning("seen_max (%d) is smaller than one poll's items; raise limits.seen_max", self.seen_max)
        return out + list(incoming)[: excess - len(out)]
