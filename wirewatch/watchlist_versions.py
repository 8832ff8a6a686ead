"""Watchlist versions and worker status: the records, and the reads and writes of their topics.

A watchlist change is a ``WatchlistVersion`` (content hash, author, comment,
parent, time, YAML text) produced twice: on the compacted watchlist topic
(one key: the latest value is what every worker runs) and on the history
topic (never compacted: every version ever applied, in order). Each
processor worker publishes a ``WorkerStatus`` (the version it runs) to the
status topic when it adopts a version and every ``HEARTBEAT_S`` seconds.

These live in the kernel because the CLI (``processors``) and the console
both call them: ``apply_version``, ``history``, ``live_version``,
``find_version`` and ``live_workers``. They use kafka-python, synchronously.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from wirewatch.errors import BrokerError, ConfigError, Issue, RecordError, StaleVersion
from wirewatch.records import Record, utcnow
from wirewatch.settings import Settings
from wirewatch.topics import Topics, ensure_topics
from wirewatch.watchlist import Watchlist, parse_watchlist

#: The single key of the compacted watchlist topic.
WATCHLIST_KEY = b"watchlist"
#: A worker republishes its status this often; the console counts a worker live for ~3 of them.
HEARTBEAT_S = 30.0
#: Largest watchlist text accepted (a Kafka record defaults to at most 1 MiB, and it goes twice).
MAX_TEXT_BYTES = 512 * 1024


class WatchlistVersion(Record):
    """One applied watchlist: what the watchlist and history topics carry.

    ``version`` is ``Watchlist.content_hash`` of ``text``; ``parent`` the
    version that was live when this one was applied (None for the first).
    """

    version: str
    author: str = ""
    comment: str = ""
    parent: str | None = None
    applied_at: datetime | None = None
    text: str


class WorkerStatus(Record):
    """What one processor worker runs, as it last said (key = ``worker``)."""

    worker: str
    host: str
    pid: int
    version: str | None
    #: when the worker started running ``version``
    since: datetime | None = None
    #: when this status was published (a heartbeat every ``HEARTBEAT_S``)
    at: datetime
    #: the last version this worker refused, and why (it keeps ``version``)
    rejected: str | None = None
    rejected_reason: str | None = None


def decode_version(
    value: bytes | None, where: str, timestamp_ms: int | None = None
) -> tuple[WatchlistVersion, Watchlist]:
    """A watchlist topic value, validated; raises ``ConfigError`` naming ``where``.

    Reads the versioned JSON record, and also the bare YAML text the watchlist
    topic carried before versions (its author and comment are then unknown,
    its time the record's timestamp).
    """
    if not value:
        raise ConfigError([Issue(where, None, "empty value")])
    try:
        raw = value.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([Issue(where, None, "not UTF-8 text")]) from None
    record = _versioned(raw, where)
    if record is None:
        watchlist = parse_watchlist(raw, where)
        at = datetime.fromtimestamp(timestamp_ms / 1000, UTC) if timestamp_ms else None
        return WatchlistVersion(version=watchlist.content_hash, applied_at=at, text=raw), watchlist
    watchlist = parse_watchlist(record.text, where)
    if watchlist.content_hash != record.version:
        message = f"says version {record.version} but its text is {watchlist.content_hash}"
        raise ConfigError([Issue(where, None, message)])
    return record, watchlist


def _versioned(raw: str, where: str) -> WatchlistVersion | None:
    """The record if ``raw`` is a versioned one (a JSON object with a ``text``), else None."""
    if not raw.lstrip().startswith("{"):
        return None
    try:
        obj = json.loads(raw)
    except ValueError:
        return None  # YAML flow mapping, not JSON
    if not isinstance(obj, dict) or "text" not in obj:
        return None
    try:
        return WatchlistVersion.model_validate(obj)
    except ValueError as exc:
        raise ConfigError([Issue(where, None, f"not a watchlist version record: {exc}")]) from None


def new_version(
    watchlist: Watchlist, text: str, author: str, comment: str, parent: str | None
) -> WatchlistVersion:
    """The record for applying ``text`` (already validated as ``watchlist``) now."""
    return WatchlistVersion(
        version=watchlist.content_hash,
        author=author,
        comment=comment,
        parent=parent,
        applied_at=utcnow(),
        text=text,
    )


# --- reading ---------------------------------------------------------------------------------


def _bootstrap(settings: Settings) -> str:
    if not settings.kafka_bootstrap:
        raise BrokerError("WIREWATCH_KAFKA_BOOTSTRAP is not set: which cluster holds the watchlist?")
    return settings.kafka_bootstrap


def read_topic(settings: Settings, topic: str) -> list[Any]:
    """Every record of single-partition ``topic``, from its start to its end as of now."""
    bootstrap = _bootstrap(settings)
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            group_id=None,
            **settings.kafka_client_config(),
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic} from {bootstrap}: {exc}") from None
    try:
        if not consumer.partitions_for_topic(topic):
            return []
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        end = consumer.end_offsets([tp])[tp]
        records: list[Any] = []
        while consumer.position(tp) < end:
            for batch in consumer.poll(timeout_ms=1000).values():
                records.extend(r for r in batch if r.offset < end)
        return records
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic} from {bootstrap}: {exc}") from None
    finally:
        consumer.close()


def _valid_versions(records: list[Any], topic: str) -> list[WatchlistVersion]:
    out = []
    for r in records:
        try:
            out.append(decode_version(r.value, f"{topic}@{r.offset}", r.timestamp)[0])
        except ConfigError:
            continue  # a worker ignores it too
    return out


def history(settings: Settings) -> list[WatchlistVersion]:
    """Every version ever applied, newest first (rebuilt from the history topic).

    Before the history topic existed, the watchlist topic's latest value is the
    only history there is: it is listed when the history does not hold it.
    """
    topics = Topics.from_settings(settings)
    versions = _valid_versions(read_topic(settings, topics.watchlist_history), topics.watchlist_history)
    live = live_version(settings)
    if live is not None and not any(_same(v, live) for v in versions):
        versions.append(live)
    return versions[::-1]


def _same(a: WatchlistVersion, b: WatchlistVersion) -> bool:
    return (a.version, a.applied_at) == (b.version, b.applied_at)


def live_version(settings: Settings) -> WatchlistVersion | None:
    """The version every worker runs: the latest valid value of the watchlist topic."""
    topic = Topics.from_settings(settings).watchlist
    versions = _valid_versions(read_topic(settings, topic), topic)
    return versions[-1] if versions else None


def find_version(settings: Settings, ref: str) -> WatchlistVersion:
    """``live``, or a version hash (``sha256:`` optional, a unique prefix will do), newest first.

    Raises ``ConfigError`` naming ``ref`` when no version, or more than one, matches.
    """
    if ref == "live":
        live = live_version(settings)
        if live is None:
            raise ConfigError([Issue("live", None, "no watchlist has been applied yet")])
        return live
    wanted = ref if ref.startswith("sha256:") else f"sha256:{ref}"
    found = {v.version: v for v in reversed(history(settings)) if v.version.startswith(wanted)}
    if len(found) != 1:
        what = "no applied version" if not found else f"{len(found)} versions ({', '.join(found)})"
        raise ConfigError([Issue(ref, None, f"{what} matches; see `wirewatch watchlist history`")])
    return next(iter(found.values()))


# --- applying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """What ``apply_version`` did: the version now live, its parent, and whether it published."""

    version: WatchlistVersion
    published: bool


def apply_version(
    settings: Settings,
    text: str,
    author: str,
    comment: str,
    expect_parent: str | None = None,
    *,
    validate: Callable[[Watchlist], object] | None = None,
    where: str = "<watchlist>",
) -> Applied:
    """Validate ``text`` and publish it as the new live version, with its history record.

    ``expect_parent``: the version the change was made on; if the live version
    is another, nothing is published and ``StaleVersion`` names both (the
    console's "never overwrite a colleague"; the check and the write are not
    atomic, so two applies within milliseconds can both pass). ``validate`` is
    the caller's extra check (the CLI builds the engine). Text identical in
    meaning to the live version publishes nothing (``published`` False).
    Raises ``ConfigError`` for an invalid or oversized text.
    """
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        message = f"{size} bytes is more than a watchlist may be ({MAX_TEXT_BYTES} bytes)"
        raise ConfigError([Issue(where, None, message)])
    watchlist = parse_watchlist(text, where)
    if validate is not None:
        validate(watchlist)
    live = live_version(settings)
    live_hash = live.version if live else None
    if expect_parent is not None and expect_parent != live_hash:
        raise StaleVersion(
            f"not applied: the live watchlist is {live_hash or 'none'}, not {expect_parent} "
            "that this change was made on; reload it and apply again"
        )
    if live is not None and live.version == watchlist.content_hash:
        return Applied(live, published=False)
    record = new_version(watchlist, text, author, comment, live_hash)
    publish_version(settings, record)
    return Applied(record, published=True)


def publish_version(settings: Settings, record: WatchlistVersion) -> None:
    """Produce ``record`` to the watchlist topic, then to the history topic (acks=all)."""
    bootstrap = _bootstrap(settings)
    ensure_topics(bootstrap, settings)
    topics = Topics.from_settings(settings)
    try:
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", **settings.kafka_client_config())
        try:
            value = record.to_bytes()
            producer.send(topics.watchlist, key=WATCHLIST_KEY, value=value).get(timeout=30)
            producer.send(topics.watchlist_history, key=record.version.encode(), value=value).get(timeout=30)
        finally:
            producer.close()
    except KafkaError as exc:
        raise BrokerError(f"cannot publish the watchlist to {bootstrap}: {exc}") from None


# --- worker status ---------------------------------------------------------------------------


def latest_statuses(records: list[Any], now: datetime, within_s: float) -> list[WorkerStatus]:
    """The last status of each worker heard from within ``within_s``, by worker id."""
    latest: dict[bytes, WorkerStatus | None] = {}
    for r in records:
        try:
            latest[r.key] = WorkerStatus.from_bytes(r.value) if r.value is not None else None
        except RecordError:
            continue
    since = now - timedelta(seconds=within_s)
    alive = [s for s in latest.values() if s is not None and s.at >= since]
    return sorted(alive, key=lambda s: s.worker)


def live_workers(settings: Settings, within_s: float = 90.0) -> list[WorkerStatus]:
    """The processor workers that reported within ``within_s`` seconds, with what they run."""
    records = read_topic(settings, Topics.from_settings(settings).processor_status)
    return latest_statuses(records, utcnow(), within_s)
