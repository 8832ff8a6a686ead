"""The console's projection of the actions and receipts topics, beside the alerts in ``console.db``.

Tables: ``actions`` (the audit log: every action record once, by ``action_id``),
``story_state`` (per story and kind, the acknowledgement or snooze that holds now),
``silences`` (per silence id, its latest record: matchers, window, comment, ended or not),
``not_relevant`` (per alert and analyst, the mark and its reason) and ``receipts`` (per
alert and channel, what ``deliver`` decided last).

Rows move with their offsets in one transaction, in the ``offsets`` table the alerts use,
so a crash keeps both or neither. Every state table is updated only by a record at least
as recent (``at``) as the one it holds, so the rows do not depend on whether an action was
first recorded by the replica that produced it (``record``) or read from the topic: deleting
the file and reading the topics again gives the same rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.store import Incoming, Store
from wirewatch.actions import Action, Receipt
from wirewatch.errors import RecordError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    action_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    source TEXT NOT NULL,
    at TEXT NOT NULL,
    target TEXT NOT NULL,
    story_key TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    silence_id TEXT NOT NULL,
    comment TEXT NOT NULL,
    cancelled INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_newest ON actions (at DESC, action_id);
CREATE TABLE IF NOT EXISTS story_state (
    story_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    action_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    until TEXT,
    severity TEXT,
    cancelled INTEGER NOT NULL,
    PRIMARY KEY (story_key, kind)
);
CREATE TABLE IF NOT EXISTS silences (
    silence_id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    record TEXT NOT NULL,
    cancelled INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS not_relevant (
    alert_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    story_key TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    action_id TEXT NOT NULL,
    PRIMARY KEY (alert_id, actor)
);
CREATE TABLE IF NOT EXISTS receipts (
    alert_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    story_key TEXT NOT NULL,
    revision INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    action_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (alert_id, channel)
);
CREATE INDEX IF NOT EXISTS receipts_story ON receipts (story_key);
"""

#: the tables ``rows`` dumps (the rebuild test compares them)
TABLES = ("actions", "story_state", "silences", "not_relevant", "receipts")


@dataclass
class Projected:
    """What one ``apply`` did: the actions new to the store, and the records it skipped."""

    new: list[Action] = field(default_factory=list)
    receipts: int = 0
    #: (topic, partition, offset, reason): undecodable records, skipped
    malformed: list[tuple[str, int, int, str]] = field(default_factory=list)
    #: actions naming a story or alert this console does not know: skipped, dead-lettered
    unknown: list[tuple[Incoming, Action]] = field(default_factory=list)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class ActionStore:
    """The actions' tables, in the alerts store's database (its connection, its offsets)."""

    def __init__(self, store: Store):
        self.store = store
        self.db: sqlite3.Connection = store.db
        self.db.executescript(_SCHEMA)

    # -- the projection -------------------------------------------------------------------

    def offsets(self, topic: str) -> dict[int, int]:
        return self.store.offsets(topic)

    def apply(self, records: Sequence[Incoming], actions_topic: str, receipts_topic: str) -> Projected:
        """Project records of both topics and move their offsets, in one transaction."""
        done = Projected()
        last: dict[tuple[str, int], int] = {}
        with self.store._transaction() as db:
            for r in records:
                last[(r.topic, r.partition)] = max(r.offset, last.get((r.topic, r.partition), -1))
                try:
                    if r.topic == receipts_topic:
                        self._receipt(db, Receipt.from_bytes(r.value))
                        done.receipts += 1
                        continue
                    action = Action.from_bytes(r.value)
                except RecordError as exc:
                    done.malformed.append((r.topic, r.partition, r.offset, str(exc)))
                    continue
                if not self.known_target(action):
                    done.unknown.append((r, action))
                    continue
                if self._action(db, action):
                    done.new.append(action)
            db.executemany(
                'INSERT INTO offsets (topic, partition, "offset") VALUES (?, ?, ?) '
                'ON CONFLICT (topic, partition) DO UPDATE SET "offset" = max("offset", excluded."offset")',
                [(t, p, o) for (t, p), o in last.items()],
            )
        return done

    def record(self, action: Action) -> bool:
        """Project an action this replica produced, before the topic brings it back; False if known."""
        with self.store._transaction() as db:
            return self._action(db, action)

    def known_target(self, action: Action) -> bool:
        """Whether the story (or alert) an action names is in the alerts projection; silences: always."""
        if action.kind == "silence":
            return True
        if action.kind == "not_relevant":
            return self.store.alert(action.alert_id) is not None
        return (
            self.store.db.execute("SELECT 1 FROM stories WHERE story_key = ?", (action.story_key,)).fetchone()
            is not None
        )

    def _action(self, db: sqlite3.Connection, a: Action) -> bool:
        cur = db.execute(
            "INSERT OR IGNORE INTO actions (action_id, kind, actor, role, source, at, target, story_key, "
            "alert_id, silence_id, comment, cancelled, record) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.action_id,
                a.kind,
                a.actor,
                a.role,
                a.source,
                _iso(a.at),
                a.key,
                a.story_key,
                a.alert_id,
                a.silence_id,
                a.comment or a.reason,
                int(a.cancelled),
                a.model_dump_json(),
            ),
        )
        if cur.rowcount == 0:
            return False
        at = _iso(a.at)
        if a.kind in ("acknowledge", "snooze"):
            db.execute(
                "INSERT INTO story_state (story_key, kind, action_id, actor, at, until, severity, cancelled) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (story_key, kind) DO UPDATE SET "
                "action_id = excluded.action_id, actor = excluded.actor, at = excluded.at, "
                "until = excluded.until, severity = excluded.severity, cancelled = excluded.cancelled "
                "WHERE excluded.at >= story_state.at",
                (a.story_key, a.kind, a.action_id, a.actor, at, _iso(a.until), a.severity, int(a.cancelled)),
            )
        elif a.kind == "silence":
            db.execute(
                "INSERT INTO silences (silence_id, created_by, actor, at, record, cancelled) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (silence_id) DO UPDATE SET actor = excluded.actor, "
                "at = excluded.at, record = excluded.record, cancelled = excluded.cancelled "
                "WHERE excluded.at >= silences.at",
                (a.silence_id, a.actor, a.actor, at, a.model_dump_json(), int(a.cancelled)),
            )
        elif a.kind == "not_relevant":
            db.execute(
                "INSERT INTO not_relevant (alert_id, actor, story_key, reason, at, action_id) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, actor) DO UPDATE SET "
                "reason = excluded.reason, at = excluded.at, action_id = excluded.action_id "
                "WHERE excluded.at >= not_relevant.at",
                (a.alert_id, a.actor, a.story_key, a.reason, at, a.action_id),
            )
        return True

    def _receipt(self, db: sqlite3.Connection, r: Receipt) -> None:
        db.execute(
            "INSERT INTO receipts (alert_id, channel, story_key, revision, outcome, reason, action_id, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, channel) DO UPDATE SET "
            "outcome = excluded.outcome, reason = excluded.reason, action_id = excluded.action_id, "
            "at = excluded.at WHERE excluded.at >= receipts.at",
            (r.alert_id, r.channel, r.story_key, r.revision, r.outcome, r.reason, r.action_id, _iso(r.at)),
        )

    # -- reading ---------------------------------------------------------------------------

    def has_action(self, action_id: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM actions WHERE action_id = ?", (action_id,)).fetchone() is not None
        )

    def actions(self, user: str | None = None, kind: str | None = None, limit: int = 200) -> list[Action]:
        """The audit log, newest first, optionally one user's or one kind's."""
        where, args = ["1"], []
        if user:
            where.append("actor = ?")
            args.append(user)
        if kind:
            where.append("kind = ?")
            args.append(kind)
        sql = f"SELECT record FROM actions WHERE {' AND '.join(where)} ORDER BY at DESC, action_id LIMIT ?"  # noqa: S608
        return [Action.model_validate_json(r[0]) for r in self.db.execute(sql, [*args, limit])]

    def state(self, story_key: str) -> dict[str, dict[str, Any]]:
        """``{"acknowledge": row, "snooze": row}``: what was last done to the story (either may lack)."""
        rows = self.db.execute("SELECT * FROM story_state WHERE story_key = ?", (story_key,))
        return {r["kind"]: dict(r) for r in rows}

    def silences(self) -> list[Action]:
        """Every silence's latest record, newest first."""
        rows = self.db.execute("SELECT record FROM silences ORDER BY at DESC, silence_id")
        return [Action.model_validate_json(r[0]) for r in rows]

    def silence(self, silence_id: str) -> Action | None:
        row = self.db.execute("SELECT record FROM silences WHERE silence_id = ?", (silence_id,)).fetchone()
        return Action.model_validate_json(row[0]) if row else None

    def silence_authors(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT silence_id, created_by FROM silences")}

    def marks(self, story_key: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT * FROM not_relevant WHERE story_key = ? ORDER BY at, actor", (story_key,)
        )
        return [dict(r) for r in rows]

    def receipts(self, story_key: str) -> dict[str, list[dict[str, Any]]]:
        """Per alert id of the story, its receipts (channel order)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for r in self.db.execute(
            "SELECT * FROM receipts WHERE story_key = ? ORDER BY alert_id, channel", (story_key,)
        ):
            out.setdefault(r["alert_id"], []).append(dict(r))
        return out

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every actions table, sorted (what a rebuild must reproduce)."""
        return {t: sorted(tuple(r) for r in self.db.execute(f"SELECT * FROM {t}")) for t in TABLES}  # noqa: S608


def dump(action: Action) -> dict[str, Any]:
    """An action as the API shows it."""
    return json.loads(action.model_dump_json())
