"""The delivery ledger: what was sent where, in SQLite under ``<data_dir>/deliver``.

Keyed by ``(alert_id, channel)``; a row's status is

- ``sent``: delivered (directly, folded, or in a digest) — never sent again;
- ``dead``: dead-lettered after its attempts — ``dlq replay`` may send it;
- ``digest``: waiting in ``digest_queue`` for its channel's next digest;
- ``held``: kept back by a snooze or an acknowledgement (``held_alerts`` keeps it for the
  summary pushed when the hold ends; the pushed one becomes ``sent``);
- ``muted``: kept back by a silence — never pushed.

The loop writes a row right after the remote accepted the message and
before the Kafka offset is committed, so a restart re-reads uncommitted
alerts but skips every one already in the ledger. The window left is the
instant between the server's answer and the row's commit (SQLite in WAL
mode survives a killed process); webhook ``X-Wirewatch-Delivery`` and email
``Message-ID`` let receivers fold that rare double.

Digests keep their pending alerts and the time of the last digest here, so
a restart neither loses nor repeats them. One process owns a ledger.

``Threads`` keeps, in the same database, what a channel must remember of a
story to reply to it: the Slack ``ts`` of its first message (bot mode), the
subject of its first email, and each Slack post asked for and answered, so
a re-sent alert finds its post instead of posting twice.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alerts.holds import StoryView
from wirewatch.records import Alert

SENT, DEAD, DIGEST, HELD, MUTED = "sent", "dead", "digest", "held", "muted"

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
CREATE TABLE IF NOT EXISTS held_alerts (
    channel    TEXT NOT NULL,
    story_key  TEXT NOT NULL,
    alert_id   TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    alert      BLOB NOT NULL,
    held_at    REAL NOT NULL,
    PRIMARY KEY (channel, alert_id)
);
CREATE INDEX IF NOT EXISTS held_by_story ON held_alerts (channel, story_key, revision);
CREATE TABLE IF NOT EXISTS pushes (
    channel    TEXT NOT NULL,
    story_key  TEXT NOT NULL,
    alert_id   TEXT NOT NULL,
    severity   TEXT NOT NULL,
    pushed_at  REAL NOT NULL,
    alert      BLOB NOT NULL,
    PRIMARY KEY (channel, alert_id)
);
CREATE INDEX IF NOT EXISTS pushes_by_story ON pushes (channel, story_key, pushed_at);
CREATE TABLE IF NOT EXISTS digest_state (
    channel    TEXT PRIMARY KEY,
    last_flush REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS story_threads (
    channel    TEXT NOT NULL,
    story_key  TEXT NOT NULL,
    root       TEXT NOT NULL,
    place      TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    header_rev INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    PRIMARY KEY (channel, story_key)
);
CREATE TABLE IF NOT EXISTS channel_posts (
    channel    TEXT NOT NULL,
    delivery   TEXT NOT NULL,
    ts         TEXT NOT NULL DEFAULT '',
    asked_at   REAL NOT NULL,
    PRIMARY KEY (channel, delivery)
);
"""


def ledger_path(data_dir: Path) -> Path:
    """``<data_dir>/deliver/ledger.sqlite3``."""
    return data_dir / "deliver" / "ledger.sqlite3"


def _connect(path: Path | str) -> sqlite3.Connection:
    """The ledger's database (created with its schema on first use), in autocommit mode."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), isolation_level=None, timeout=30.0)
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a killed process loses nothing committed; only a power cut might.
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    return db


class Ledger:
    """One SQLite database; every method is a short transaction (called from the event loop)."""

    def __init__(self, path: Path | str):
        self._db = _connect(path)

    @classmethod
    def open(cls, data_dir: Path) -> Ledger:
        """The ledger of a data directory, created on first use."""
        return cls(ledger_path(data_dir))

    def close(self) -> None:
        self._db.close()

    def status(self, alert_id: str, channel: str) -> str | None:
        """``sent``, ``dead``, ``digest``, ``held``, ``muted`` or None (never seen)."""
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
        """``alerts`` reached ``channel``; also removes them from its digest queue.

        Each is recorded as its story's latest push, and the story's updates held up to its
        revision are released (their summary went with it).
        """
        now = time.time()
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._mark(alerts, channel, SENT, attempts, "")
            self._unqueue(alerts, channel)
            self._db.executemany(
                "INSERT OR REPLACE INTO pushes (channel, story_key, alert_id, severity, pushed_at, alert) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(channel, a.story_key, a.alert_id, a.severity, now, a.to_bytes()) for a in alerts],
            )
            self._db.executemany(
                "DELETE FROM held_alerts WHERE channel = ? AND story_key = ? AND revision <= ?",
                [(channel, a.story_key, a.revision) for a in alerts],
            )

    def mark_held(self, alert: Alert, channel: str, kind: str, reason: str) -> bool:
        """``alert`` is kept back on ``channel`` (by ``kind``: snoozed, acknowledged); False if settled."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            if self.status(alert.alert_id, channel) not in (None, HELD):
                return False
            self._mark([alert], channel, HELD, 0, reason)
            self._db.execute(
                "INSERT OR REPLACE INTO held_alerts (channel, story_key, alert_id, revision, kind, alert, "
                "held_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    channel,
                    alert.story_key,
                    alert.alert_id,
                    alert.revision,
                    kind,
                    alert.to_bytes(),
                    time.time(),
                ),
            )
        return True

    def mark_muted(self, alert: Alert, channel: str, reason: str) -> bool:
        """``alert`` is muted on ``channel`` by a silence; False if it was already settled."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            if self.status(alert.alert_id, channel) is not None:
                return False
            self._mark([alert], channel, MUTED, 0, reason)
        return True

    def story_view(self, channel: str, story_key: str) -> StoryView:
        """The pushes of a story on ``channel`` and its updates held since (for ``holds.decide``)."""
        pushed = self._db.execute(
            "SELECT pushed_at, severity FROM pushes WHERE channel = ? AND story_key = ? ORDER BY pushed_at",
            (channel, story_key),
        ).fetchall()
        last = self._db.execute(
            "SELECT alert FROM pushes WHERE channel = ? AND story_key = ? ORDER BY pushed_at DESC LIMIT 1",
            (channel, story_key),
        ).fetchone()
        held = self._db.execute(
            "SELECT alert, kind FROM held_alerts WHERE channel = ? AND story_key = ? ORDER BY revision",
            (channel, story_key),
        ).fetchall()
        return StoryView(
            pushed=[(datetime.fromtimestamp(at, UTC), sev) for at, sev in pushed],
            last_pushed=Alert.from_bytes(last[0]) if last else None,
            held=[(Alert.from_bytes(blob), kind) for blob, kind in held],
        )

    def held_stories(self) -> list[tuple[str, str]]:
        """Every (channel, story key) with held updates: what the release timer looks at."""
        rows = self._db.execute(
            "SELECT DISTINCT channel, story_key FROM held_alerts ORDER BY 1, 2"
        ).fetchall()
        return [(str(c), str(s)) for c, s in rows]

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
            if self.status(alert.alert_id, channel) not in (None, HELD):
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


@dataclass(frozen=True)
class Thread:
    """Where a story lives on one channel: its first message and what it showed."""

    #: Slack: the ``ts`` of the story's first message; email: its ``Message-ID``
    root: str
    #: Slack: the conversation id the first message is in
    place: str = ""
    #: email: the subject of the story's first message
    subject: str = ""
    #: the revision the first message's header shows now (Slack edits it)
    header_rev: int = 0


@dataclass(frozen=True)
class Post:
    """A post a channel asked for; ``ts`` is empty while no answer was recorded."""

    asked_at: float
    ts: str = ""

    @property
    def answered(self) -> bool:
        return bool(self.ts)


class Threads:
    """The story → first-message map and the post journal of threading channels.

    Opened by a channel over the ledger's database (its own connection,
    opened on first use, so building a channel writes nothing); every method
    is one short transaction.
    """

    def __init__(self, path: Path | str):
        self._path = path
        self._db: sqlite3.Connection | None = None

    @classmethod
    def of(cls, data_dir: Path) -> Threads:
        """The threads of a data directory's ledger."""
        return cls(ledger_path(data_dir))

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = _connect(self._path)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def thread(self, channel: str, story_key: str) -> Thread | None:
        """The story's first message on ``channel``, if one was recorded."""
        row = (
            self._conn()
            .execute(
                "SELECT root, place, subject, header_rev FROM story_threads "
                "WHERE channel = ? AND story_key = ?",
                (channel, story_key),
            )
            .fetchone()
        )
        return Thread(row[0], row[1], row[2], int(row[3])) if row else None

    def set_thread(self, channel: str, story_key: str, thread: Thread) -> None:
        """Record (or replace) the story's first message on ``channel``."""
        with self._conn() as db:
            _upsert_thread(db, channel, story_key, thread)

    def set_header_rev(self, channel: str, story_key: str, revision: int) -> None:
        """The first message's header now shows ``revision``."""
        with self._conn() as db:
            db.execute(
                "UPDATE story_threads SET header_rev = ?, updated_at = ? WHERE channel = ? AND story_key = ?",
                (revision, time.time(), channel, story_key),
            )

    def place(self, channel: str) -> str:
        """A conversation id ``channel`` posted to before ('' if none): where to look for a lost post."""
        row = (
            self._conn()
            .execute(
                "SELECT place FROM story_threads WHERE channel = ? AND place != '' "
                "ORDER BY updated_at DESC LIMIT 1",
                (channel,),
            )
            .fetchone()
        )
        return str(row[0]) if row else ""

    def post(self, channel: str, delivery: str) -> Post | None:
        """The post of ``delivery`` (an alert id, or a batch id) on ``channel``, if one was asked for."""
        row = (
            self._conn()
            .execute(
                "SELECT asked_at, ts FROM channel_posts WHERE channel = ? AND delivery = ?",
                (channel, delivery),
            )
            .fetchone()
        )
        return Post(float(row[0]), row[1]) if row else None

    def asking(self, channel: str, delivery: str) -> None:
        """Recorded just before the request: a post is being asked for (kept if already asked)."""
        with self._conn() as db:
            db.execute(
                "INSERT INTO channel_posts (channel, delivery, asked_at) VALUES (?, ?, ?) "
                "ON CONFLICT (channel, delivery) DO NOTHING",
                (channel, delivery, time.time()),
            )

    def answered(
        self, channel: str, delivery: str, ts: str, story_key: str = "", thread: Thread | None = None
    ) -> None:
        """Recorded as soon as the remote answers: the post's ``ts`` and, for a first message, the thread."""
        with self._conn() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO channel_posts (channel, delivery, ts, asked_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (channel, delivery) DO UPDATE SET ts = excluded.ts",
                (channel, delivery, ts, time.time()),
            )
            if thread is not None:
                _upsert_thread(db, channel, story_key, thread)


def _upsert_thread(db: sqlite3.Connection, channel: str, story_key: str, thread: Thread) -> None:
    db.execute(
        "INSERT INTO story_threads (channel, story_key, root, place, subject, header_rev, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, story_key) DO UPDATE SET root = excluded.root, "
        "place = excluded.place, subject = excluded.subject, header_rev = excluded.header_rev, "
        "updated_at = excluded.updated_at",
        (channel, story_key, thread.root, thread.place, thread.subject, thread.header_rev, time.time()),
    )
