"""The delivery ledger: what was sent where, in SQLite under ``<data_dir>/deliver``.

Keyed by ``(alert_id, channel)``; a row's status is

- ``sent``: delivered (directly, folded, or in a digest) — never sent again;
- ``dead``: dead-lettered after its attempts — ``dlq replay`` may send it;
- ``digest``: waiting in ``digest_queue`` for its channel's next digest.

The loop writes a row right after the remote accepted the message and
before the Kafka offset is committed, so a restart re-reads uncommitted
alerts but skips every one already in the ledger. The window left is the
instant between the server's answer and the row's commit (SQLite in WAL
mode survives a killed process); webhook ``X-Wirewatch-Delivery`` and email
``Message-ID`` let receivers fold that rare double.

Digests keep their pending alerts and the time of the last digest here, so
a restart neither loses nor repeats them. One process owns a ledger.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from wirewatch.records import Alert

SENT, DEAD, DIGEST = "sent", "dead", "digest"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    status     TEXT NOT NULL,
    story_key  TEXT NOT NULL DEFAULT '',
    revision   INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0,
    reason     TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL,
    PRIMARY KEY (alert_id, channel)
);
CREATE TABLE IF NOT EXISTS digest_queue (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    channel   TEXT NOT NULL,
    alert_id  TEXT NOT NULL,
    alert     BLOB NOT NULL,
    queued_at REAL NOT NULL,
    UNIQUE (channel, alert_id)
);
CREATE TABLE IF NOT EXISTS digest_state (
    channel    TEXT PRIMARY KEY,
    last_flush REAL NOT NULL
);
"""


def ledger_path(data_dir: Path) -> Path:
    """``<data_dir>/deliver/ledger.sqlite3``."""
    return data_dir / "deliver" / "ledger.sqlite3"


class Ledger:
    """One SQLite database; every method is a short transaction (called from the event loop)."""

    def __init__(self, path: Path | str):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a killed process loses nothing committed; only a power cut might.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def open(cls, data_dir: Path) -> Ledger:
        """The ledger of a data directory, created on first use."""
        return cls(ledger_path(data_dir))

    def close(self) -> None:
        self._db.close()

    def status(self, alert_id: str, channel: str) -> str | None:
        """``sent``, ``dead``, ``digest`` or None (never seen)."""
        row = self._db.execute(
            "SELECT status FROM deliveries WHERE alert_id = ? AND channel = ?", (alert_id, channel)
        ).fetchone()
        return row[0] if row else None

    def _mark(self, alerts: Iterable[Alert], channel: str, status: str, attempts: int, reason: str) -> None:
        now = time.time()
        self._db.executemany(
            "INSERT INTO deliveries (alert_id, channel, status, story_key, revision, attempts, reason, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, channel) DO UPDATE SET "
            "status = excluded.status, attempts = excluded.attempts, reason = excluded.reason, "
            "updated_at = excluded.updated_at",
            [(a.alert_id, channel, status, a.story_key, a.revision, attempts, reason, now) for a in alerts],
        )

    def mark_sent(self, alerts: Sequence[Alert], channel: str, attempts: int = 1) -> None:
        """``alerts`` reached ``channel``; also removes them from its digest queue."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._mark(alerts, channel, SENT, attempts, "")
            self._unqueue(alerts, channel)

    def mark_dead(self, alerts: Sequence[Alert], channel: str, reason: str, attempts: int) -> None:
        """``alerts`` were dead-lettered for ``channel`` with ``reason``."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._mark(alerts, channel, DEAD, attempts, reason)
            self._unqueue(alerts, channel)

    def _unqueue(self, alerts: Sequence[Alert], channel: str) -> None:
        self._db.executemany(
            "DELETE FROM digest_queue WHERE channel = ? AND alert_id = ?",
            [(channel, a.alert_id) for a in alerts],
        )

    def enqueue_digest(self, channel: str, alert: Alert) -> bool:
        """Keep ``alert`` for ``channel``'s next digest; False if it is already queued or settled."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            if self.status(alert.alert_id, channel) is not None:
                return False
            self._mark([alert], channel, DIGEST, 0, "")
            self._db.execute(
                "INSERT INTO digest_queue (channel, alert_id, alert, queued_at) VALUES (?, ?, ?, ?)",
                (channel, alert.alert_id, alert.to_bytes(), time.time()),
            )
        return True

    def digest_pending(self, channel: str, limit: int = 10_000) -> list[Alert]:
        """Alerts waiting for ``channel``'s digest, in arrival order."""
        rows = self._db.execute(
            "SELECT alert FROM digest_queue WHERE channel = ? ORDER BY seq LIMIT ?", (channel, limit)
        ).fetchall()
        return [Alert.from_bytes(row[0]) for row in rows]

    def digest_count(self, channel: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM digest_queue WHERE channel = ?", (channel,)).fetchone()
        return int(row[0])

    def last_flush(self, channel: str) -> float | None:
        """Wall-clock time (Unix seconds) of ``channel``'s last digest, if any."""
        row = self._db.execute("SELECT last_flush FROM digest_state WHERE channel = ?", (channel,)).fetchone()
        return float(row[0]) if row else None

    def set_last_flush(self, channel: str, when: float) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO digest_state (channel, last_flush) VALUES (?, ?) "
                "ON CONFLICT (channel) DO UPDATE SET last_flush = excluded.last_flush",
                (channel, when),
            )

    def dead_counts(self) -> dict[str, int]:
        """Dead letters not yet replayed, per channel (the DLQ size)."""
        rows = self._db.execute(
            "SELECT channel, COUNT(*) FROM deliveries WHERE status = ? GROUP BY channel", (DEAD,)
        ).fetchall()
        return {channel: int(n) for channel, n in rows}

    def sent_count(self, channel: str) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE channel = ? AND status = ?", (channel, SENT)
        ).fetchone()
        return int(row[0])
