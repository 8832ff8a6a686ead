"""The console's projection of the alerts topic, in SQLite (WAL) with FTS5 search.

Tables: ``alerts`` (every revision, once: ``alert_id`` is the primary key, so a record read
twice changes nothing), ``stories`` (each story's latest revision), ``reports`` (the items a
story cited, any revision), ``aliases`` (spellings the evidence matched, for search), and
``offsets`` (per topic partition, the last offset applied).

Offsets live in the same database as the rows and are written in the same transaction as
the rows they stand for, so the projection and its position move together: a crash before
the commit loses both (the records are read again), after it keeps both (they are not).
The projector seeks to ``offset + 1`` on start, so Kafka consumer groups and their commits
are not needed — which is also why every console replica can hold its own complete copy,
and why deleting the file rebuilds the same content from the beginning of the topic.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from console import text
from console.db import connect
from wirewatch.errors import RecordError
from wirewatch.records import SEVERITIES, Alert

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL UNIQUE,
    story_key TEXT NOT NULL,
    revision INTEGER NOT NULL,
    kind TEXT NOT NULL,
    rule TEXT NOT NULL,
    rules TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    actors TEXT NOT NULL,
    regions TEXT NOT NULL,
    escalations TEXT NOT NULL,
    notify TEXT NOT NULL,
    sources TEXT NOT NULL,
    langs TEXT NOT NULL,
    headline TEXT NOT NULL,
    update_reason TEXT,
    grouping TEXT,
    source_count INTEGER NOT NULL,
    report_count INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    watchlist_version TEXT NOT NULL,
    record TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    "offset" INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_newest ON alerts (last_seen DESC, revision DESC, alert_id);
CREATE INDEX IF NOT EXISTS alerts_story ON alerts (story_key, revision);
CREATE TABLE IF NOT EXISTS stories (
    story_key TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    severity TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    story_key TEXT NOT NULL,
    item_id TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    source TEXT NOT NULL,
    lang TEXT,
    published_at TEXT NOT NULL,
    fetched_at TEXT,
    first_revision INTEGER NOT NULL,
    PRIMARY KEY (story_key, item_id)
);
-- spelling: the stemmed, folded words of an alias or a matched text; entity: its canonical name
CREATE TABLE IF NOT EXISTS aliases (spelling TEXT NOT NULL, entity TEXT NOT NULL,
    PRIMARY KEY (spelling, entity));
CREATE TABLE IF NOT EXISTS offsets (topic TEXT NOT NULL, partition INTEGER NOT NULL,
    "offset" INTEGER NOT NULL, PRIMARY KEY (topic, partition));
CREATE VIRTUAL TABLE IF NOT EXISTS alerts_fts USING fts5(
    body, alert_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
"""

#: Most rows one page of a listing returns.
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Incoming:
    """One message of the alerts topic, as the projector hands it over."""

    topic: str
    partition: int
    offset: int
    value: bytes | None


@dataclass
class Applied:
    """What one ``apply`` did: the revisions new to the store, in topic order, and the rest."""

    new: list[Alert] = field(default_factory=list)
    duplicates: int = 0
    #: (partition, offset, reason) of records that were not valid alerts: skipped, counted
    malformed: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class AlertFilter:
    """What a listing or a search keeps: every given condition must hold."""

    severity: tuple[str, ...] = ()
    rule: str | None = None
    region: str | None = None
    actor: str | None = None
    escalation: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a listing: its rows, and whether more follow."""

    rows: list[dict[str, Any]]
    page: int
    size: int
    has_next: bool


def _iso(value: datetime) -> str:
    return value.isoformat()


def _jl(values: Iterable[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


class Store:
    """One SQLite file holding the projection; all methods run on the caller's thread."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.db = connect(path)
        self.db.executescript(_SCHEMA)
        self.db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
        )

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- the projection -------------------------------------------------------------------

    def offsets(self, topic: str) -> dict[int, int]:
        """Per partition of ``topic``, the last offset applied."""
        rows = self.db.execute('SELECT partition, "offset" FROM offsets WHERE topic = ?', (topic,))
        return {r[0]: r[1] for r in rows}

    def apply(self, records: Sequence[Incoming]) -> Applied:
        """Project ``records`` and move the offsets past them, in one transaction."""
        applied = Applied()
        last: dict[tuple[str, int], int] = {}
        with self._transaction() as db:
            for r in records:
                last[(r.topic, r.partition)] = max(r.offset, last.get((r.topic, r.partition), -1))
                try:
                    alert = Alert.from_bytes(r.value)
                except RecordError as exc:
                    applied.malformed.append((r.partition, r.offset, str(exc)))
                    continue
                if self._insert(db, alert, r):
                    applied.new.append(alert)
                else:
                    applied.duplicates += 1
            db.executemany(
                'INSERT INTO offsets (topic, partition, "offset") VALUES (?, ?, ?) '
                'ON CONFLICT (topic, partition) DO UPDATE SET "offset" = max("offset", excluded."offset")',
                [(t, p, o) for (t, p), o in last.items()],
            )
        return applied

    def add(self, alert: Alert, topic: str = "", partition: int = 0, offset: int = -1) -> bool:
        """Project one alert outside any topic (tests, imports); False if it was there already."""
        with self._transaction() as db:
            return self._insert(db, alert, Incoming(topic, partition, offset, None))

    def _insert(self, db: sqlite3.Connection, a: Alert, r: Incoming) -> bool:
        story_key = a.story_key or a.alert_id
        cur = db.execute(
            "INSERT OR IGNORE INTO alerts (alert_id, story_key, revision, kind, rule, rules, severity, "
            "severity_rank, actors, regions, escalations, notify, sources, langs, headline, update_reason, "
            "grouping, source_count, report_count, first_seen, last_seen, watchlist_version, record, topic, "
            'partition, "offset") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '
            "?, ?, ?, ?)",
            (
                a.alert_id,
                story_key,
                a.revision,
                a.kind,
                a.rule,
                _jl(a.rules or [a.rule]),
                a.severity,
                SEVERITIES.index(a.severity),
                _jl(a.actors),
                _jl(a.regions),
                _jl(a.escalations),
                _jl(a.notify),
                _jl(sorted({i.source for i in a.items})),
                _jl(sorted({i.lang for i in a.items if i.lang})),
                a.headline,
                a.update_reason,
                a.grouping,
                a.source_count,
                a.report_count,
                _iso(a.first_seen),
                _iso(a.last_seen),
                a.watchlist_version,
                a.model_dump_json(),
                r.topic,
                r.partition,
                r.offset,
            ),
        )
        if cur.rowcount == 0:
            return False
        db.execute(
            "INSERT INTO stories (story_key, alert_id, revision, severity, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (story_key) DO UPDATE SET alert_id = excluded.alert_id, "
            "revision = excluded.revision, severity = excluded.severity, first_seen = excluded.first_seen, "
            "last_seen = excluded.last_seen WHERE excluded.revision >= stories.revision",
            (story_key, a.alert_id, a.revision, a.severity, _iso(a.first_seen), _iso(a.last_seen)),
        )
        db.executemany(
            "INSERT INTO reports (story_key, item_id, title, url, source, lang, published_at, fetched_at, "
            "first_revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (story_key, item_id) DO UPDATE "
            "SET first_revision = min(first_revision, excluded.first_revision)",
            [
                (
                    story_key,
                    i.id,
                    i.title,
                    i.url,
                    i.source,
                    i.lang,
                    _iso(i.published_at),
                    _iso(i.fetched_at) if i.fetched_at else None,
                    a.revision,
                )
                for i in a.items
            ],
        )
        spellings = {(" ".join(text.terms(s)), e.entity) for e in a.evidence for s in (e.alias, e.matched)}
        db.executemany(
            "INSERT OR IGNORE INTO aliases (spelling, entity) VALUES (?, ?)",
            [(s, entity) for s, entity in spellings if s],
        )
        db.execute("INSERT INTO alerts_fts (body, alert_id) VALUES (?, ?)", (self._body(a), a.alert_id))
        return True

    @staticmethod
    def _body(a: Alert) -> str:
        """What search reads of an alert: canonical names next to the spellings the reports used."""
        return text.index_text(
            a.headline,
            " ".join(a.actors + a.regions + a.escalations),
            " ".join(i.title for i in a.items),
            " ".join(f"{e.entity} {e.alias} {e.matched}" for e in a.evidence),
            a.rule,
            a.update_reason or "",
        )

    def learn_spellings(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Add (spelling, canonical name) pairs for search, e.g. from the watchlist file."""
        rows = [(" ".join(text.terms(s)), e) for s, e in pairs]
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO aliases (spelling, entity) VALUES (?, ?)", [r for r in rows if r[0]]
            )

    # -- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM alerts").fetchone()[0])

    def alerts(self, flt: AlertFilter = AlertFilter(), page: int = 1, size: int = 50) -> Page:
        """Alert revisions, newest first (last seen, then revision), matching ``flt``."""
        size = max(1, min(size, MAX_PAGE_SIZE))
        page = max(1, page)
        where, args = self._where(flt)
        # A search term common in the store (every strike says "frappes") matches a large share
        # of it: walking the newest-first index and stopping at the page's end is 4-5x faster
        # than looking each match up and sorting them all (SQLite picks the latter by itself).
        hint = "INDEXED BY alerts_newest " if flt.q is not None else ""
        sql = (
            f"SELECT * FROM alerts {hint}WHERE {' AND '.join(where) or '1'} "  # noqa: S608 - see _where
            "ORDER BY last_seen DESC, revision DESC, alert_id LIMIT ? OFFSET ?"
        )
        rows = [_row(r) for r in self.db.execute(sql, [*args, size + 1, (page - 1) * size])]
        return Page(rows[:size], page, size, len(rows) > size)

    def last_seq(self) -> int:
        """The store's position: every revision stored later has a greater ``seq``."""
        return int(self.db.execute("SELECT coalesce(max(seq), 0) FROM alerts").fetchone()[0])

    def alerts_after(
        self, alert_id: str, flt: AlertFilter = AlertFilter(), limit: int = 200
    ) -> list[dict[str, Any]]:
        """Revisions stored after ``alert_id`` (in the order they were stored) matching ``flt``.

        Empty when ``alert_id`` is not stored: nothing to say what came after it.
        """
        found = self.db.execute("SELECT seq FROM alerts WHERE alert_id = ?", (alert_id,)).fetchone()
        return self.alerts_since(int(found[0]), flt, limit) if found else []

    def alerts_since(
        self, seq: int, flt: AlertFilter = AlertFilter(), limit: int = 200
    ) -> list[dict[str, Any]]:
        """Revisions stored after position ``seq`` (``last_seq``), oldest first, matching ``flt``."""
        where, args = self._where(flt)
        sql = (
            f"SELECT * FROM alerts WHERE seq > ? AND {' AND '.join(where) or '1'} "  # noqa: S608
            "ORDER BY seq LIMIT ?"
        )
        return [_row(r) for r in self.db.execute(sql, [seq, *args, limit])]

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        r = self.db.execute("SELECT * FROM alerts WHERE alert_id = ?", (alert_id,)).fetchone()
        return _row(r) if r else None

    def matches(self, alert: Alert, flt: AlertFilter) -> bool:
        """Whether a stored alert passes ``flt`` (the live feed's filter)."""
        where, args = self._where(flt)
        sql = f"SELECT 1 FROM alerts WHERE alert_id = ? AND {' AND '.join(where) or '1'}"  # noqa: S608
        return self.db.execute(sql, [alert.alert_id, *args]).fetchone() is not None

    def story(self, story_key: str) -> dict[str, Any] | None:
        """A story: its latest revision, every revision (oldest first) and its reports in time order."""
        head = self.db.execute("SELECT * FROM stories WHERE story_key = ?", (story_key,)).fetchone()
        if head is None:
            return None
        revisions = [
            _row(r)
            for r in self.db.execute(
                "SELECT * FROM alerts WHERE story_key = ? ORDER BY revision, alert_id", (story_key,)
            )
        ]
        reports = [
            dict(r)
            for r in self.db.execute(
                "SELECT item_id, title, url, source, lang, published_at, fetched_at, first_revision "
                "FROM reports WHERE story_key = ? ORDER BY published_at, coalesce(fetched_at, ''), item_id",
                (story_key,),
            )
        ]
        latest = next((r for r in revisions if r["alert_id"] == head["alert_id"]), revisions[-1])
        return {"story_key": story_key, "latest": latest, "revisions": revisions, "reports": reports}

    def _where(self, flt: AlertFilter) -> tuple[list[str], list[Any]]:
        """SQL conditions for ``flt``: fixed text with ``?`` placeholders; values only ever in ``args``."""
        where: list[str] = []
        args: list[Any] = []
        if flt.severity:
            where.append(f"severity IN ({','.join('?' * len(flt.severity))})")
            args.extend(flt.severity)
        if flt.rule:
            where.append("EXISTS (SELECT 1 FROM json_each(alerts.rules) WHERE value = ?)")
            args.append(flt.rule)
        for column, value in (
            ("regions", flt.region),
            ("actors", flt.actor),
            ("escalations", flt.escalation),
        ):
            if value:
                where.append(
                    f"EXISTS (SELECT 1 FROM json_each(alerts.{column}) WHERE lower(value) = lower(?))"  # noqa: S608
                )
                args.append(value)
        if flt.channel:
            if flt.channel == "default":
                where.append(
                    "(notify = '[]' OR EXISTS (SELECT 1 FROM json_each(alerts.notify) WHERE value = ?))"
                )
            else:
                where.append("EXISTS (SELECT 1 FROM json_each(alerts.notify) WHERE value = ?)")
            args.append(flt.channel)
        if flt.since:
            where.append("last_seen >= ?")
            args.append(_iso(flt.since))
        if flt.until:
            where.append("last_seen < ?")
            args.append(_iso(flt.until))
        if flt.q is not None:
            query = self.fts_query(flt.q)
            if query is None:
                where.append("0")
            else:
                where.append("alert_id IN (SELECT alert_id FROM alerts_fts WHERE alerts_fts MATCH ?)")
                args.append(query)
        return where, args

    def fts_query(self, q: str) -> str | None:
        """The FTS5 query for what a user typed: every word must match (as a prefix of a stem).

        A run of words that is a spelling the evidence or the watchlist knows also matches its
        canonical name, so "Idleb" finds stories told as Idlib. None when nothing is searchable.
        """
        found = text.words(q)[:32]
        if not found:
            return None
        groups: list[str] = []
        at = 0
        while at < len(found):
            for n in range(min(4, len(found) - at), 0, -1):
                spelling = " ".join(text.stem(w) for w in found[at : at + n])
                entities = [
                    r[0]
                    for r in self.db.execute("SELECT entity FROM aliases WHERE spelling = ?", (spelling,))
                ]
                if entities or n == 1:
                    break
            words = found[at : at + n]
            alternatives = [" AND ".join(f'"{text.stem(w)}"*' for w in words)]
            for entity in entities:
                stems = text.terms(entity)
                if stems:
                    alternatives.append('"' + " ".join(stems) + '"')
            groups.append("(" + " OR ".join(f"({a})" for a in dict.fromkeys(alternatives)) + ")")
            at += n
        return " AND ".join(groups)


def _row(r: sqlite3.Row) -> dict[str, Any]:
    row = dict(r)
    for key in ("rules", "actors", "regions", "escalations", "notify", "sources", "langs"):
        row[key] = json.loads(row[key])
    row["record"] = json.loads(row["record"])
    row.pop("seq", None)
    return row
