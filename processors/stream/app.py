"""The faust app: three thin agents around the pure stages.

::

    items (key item id) ──match_items──▶ candidates (routed by rule) ──tell_stories──▶ alerts (key story)
                              │
                              └────────▶ mentions (routed by entity) ──count_surges──▶ alerts

Each agent decodes, calls a pure function (engine, ``StoryStore.apply``,
``surge.observe``) and sends. ``match_items`` reads items a batch at a time
and hands on one record per destination partition (``batches``); the later
stages write each table key they touch once per record. State lives in
changelog-backed tables on the partition being processed. A record that
cannot be decoded or handled is logged with topic, partition and offset,
counted, sent to the items dead-letter topic, and the stream goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import faust
import faust.streams as faust_streams
from faust.types import EventT

from processors.stream import dedup
from processors.stream.batches import (
    CandidateBatch,
    MentionBatch,
    Outbox,
    WriteBack,
    decode_candidates,
    decode_mentions,
    position,
)
from processors.stream.candidates import Candidate, Mention, candidate_for
from processors.stream.live_watchlist import EngineHolder, WatchlistFollower
from processors.stream.metrics import ProcessorMetrics
from processors.stream.offsets import HandledOnlyConsumer
from processors.stream.stories import StoryStore
from processors.stream.surge import SurgePolicy, observe
from processors.stream.watchdog import Watchdog
from wirewatch.records import Alert, NewsItem, RecordError, utcnow
from wirewatch.settings import Settings
from wirewatch.topics import Topics

log = logging.getLogger(__name__)

PURGE_EVERY_S = 60.0

Handler = Callable[[EventT], Awaitable[None]]


def faust_broker_url(bootstrap: str) -> list[str]:
    return [f"kafka://{hostport.strip()}" for hostport in bootstrap.split(",") if hostport.strip()]


def group_id(settings: Settings) -> str:
    """Consumer group (and faust app id) of the processor workers."""
    return f"{settings.topic_prefix}-processor"


def internal_topics(topics: Topics) -> tuple[str, str]:
    """The processor's re-keying topics: candidates (by rule), mentions (by entity)."""
    return f"{topics.prefix}.processor.candidates.v1", f"{topics.prefix}.processor.mentions.v1"


@dataclass
class ProcessorApp:
    """The faust app plus what its agents share; build with ``build_app``."""

    app: faust.App
    holder: EngineHolder
    metrics: ProcessorMetrics


def surge_policy(settings: Settings) -> SurgePolicy:
    return SurgePolicy(
        size=timedelta(minutes=settings.surge_window_minutes),
        step=timedelta(minutes=settings.surge_step_minutes),
        baseline=timedelta(hours=settings.surge_baseline_hours),
        min_count=settings.surge_min_count,
        factor=settings.surge_factor,
    )


#: Items the first stage matches before handing their candidates and mentions on.
ITEMS_PER_BATCH = 200
#: Longest a partial batch waits for more items (bounds the latency it adds).
BATCH_WAIT_S = 0.05


def current_event(event: EventT) -> None:
    """Make ``event`` the current one of this task, as faust's own iteration does.

    Table writes go to the changelog partition of the task's current event
    (``faust.streams.current_event``). Inside a ``take_events`` batch the task
    has none, so each item's event is set before it is handled. Only the
    task-local variable: the stream's ``current_event`` attribute belongs to
    faust's background drainer, which reads it to fill the next batch —
    setting it here once swapped a new event for an old one, and lost it.
    """
    faust_streams._current_event.set(weakref.ref(event))


@dataclass
class Outboxes:
    """What one first-stage batch hands on: candidates by rule, mentions by entity."""

    candidates: Outbox[Candidate]
    mentions: Outbox[Mention]


STALL_AFTER_S = 20.0
#: Exit code asking `wirewatch process` to start a new worker (see worker.supervise_worker).
RESTART_EXIT = 3


def build_app(
    settings: Settings,
    bootstrap: str,
    watchlist_file: Path,
    metrics: ProcessorMetrics,
    backlog: Callable[[set[tuple[str, int]]], int] = lambda assigned: 0,
) -> ProcessorApp:
    """Build the faust app and its agents (nothing runs until a faust Worker starts it)."""
    topics = Topics.from_settings(settings)
    parts = settings.partitions
    datadir = settings.data_dir / "processor"
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        group_id(settings),
        broker=faust_broker_url(bootstrap),
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        topic_partitions=parts,
        topic_replication_factor=settings.replication_factor,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        broker_session_timeout=settings.processor_session_timeout_s,
        broker_heartbeat_interval=max(1.0, settings.processor_session_timeout_s / 5),
        datadir=str(datadir),
    )
    app.transport.Consumer = HandledOnlyConsumer  # before the worker creates its consumer
    raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes, "value_serializer": "raw"}
    items_topic = app.topic(topics.items, partitions=parts, **raw)
    candidates_name, mentions_name = internal_topics(topics)
    candidates_topic = app.topic(candidates_name, partitions=parts, internal=True, **raw)
    mentions_topic = app.topic(mentions_name, partitions=parts, internal=True, **raw)
    alerts_topic = app.topic(topics.alerts, **raw)
    dlq_topic = app.topic(topics.items_dlq, **raw)

    seen = app.Table("seen", default=None, partitions=parts, help="item id -> dedup entry")
    books = app.Table("stories", default=None, partitions=parts, help="open stories and their index")
    surges = app.Table("surges", default=None, partitions=parts, help="entity -> window counts")

    holder = EngineHolder()
    story_window = timedelta(hours=settings.story_window_hours)
    policy = surge_policy(settings)
    ttl_s = settings.dedup_ttl_hours * 3600
    last_purge: dict[int, float] = {}

    async def dead_letter(event: EventT, stage: str, reason: str) -> None:
        msg = event.message
        log.error(
            "dead-lettering %s record %s[%d]@%d: %s", stage, msg.topic, msg.partition, msg.offset, reason
        )
        metrics.poison.labels(stage).inc()
        if stage == "items":
            metrics.items.labels("poison").inc()
        headers = [
            ("wirewatch-stage", stage.encode()),
            ("wirewatch-error", reason[:500].encode("utf-8", "replace")),
            ("wirewatch-source", f"{msg.topic}[{msg.partition}]@{msg.offset}".encode()),
        ]
        await dlq_topic.send(key=msg.key, value=msg.value, headers=headers)

    async def emit(alert: Alert, fetched_at: Any) -> Awaitable[Any]:
        """Send ``alert``; returns its delivery, to await before the state that says it was sent."""
        delivery = await alerts_topic.send(key=alert.story_key.encode("utf-8"), value=alert.to_bytes())
        metrics.alerts.labels(alert.kind, alert.rule, alert.severity).inc()
        if fetched_at is not None:
            metrics.latency.observe(max(0.0, (utcnow() - fetched_at).total_seconds()))
        return delivery

    async def write_after(deliveries: list[Awaitable[Any]], view: WriteBack) -> None:
        # A SIGKILL can cut the changelog anywhere, and the alerts topic may live on another
        # broker: only once the broker holds a record's alerts does its state say they were
        # sent. (A failed delivery raises here: no state, and the record is dead-lettered.)
        await asyncio.gather(*deliveries)
        view.flush()

    def purge(partition: int) -> None:
        # Deletes must happen while an event of this partition is current, so
        # their changelog records land on the right partition.
        now = time.time()
        if now - last_purge.get(partition, 0.0) < PURGE_EVERY_S:
            return
        last_purge[partition] = now
        prefix = f"{partition}:"
        stale = [
            k for k, v in seen.items() if v and v["o"].startswith(prefix) and dedup.expired(v, now, ttl_s)
        ]
        for key in stale:
            del seen[key]

    async def match_item(event: EventT, out: Outboxes) -> None:
        msg = event.message
        item = NewsItem.from_bytes(msg.value)
        admitted, entry = dedup.admit(seen.get(item.id), item, f"{msg.partition}:{msg.offset}")
        if not admitted:
            metrics.items.labels("duplicate").inc()
            return
        engine = await holder.get()
        decision = engine.evaluate(item.text, item.lang)
        for name in decision.actors:
            metrics.matches.labels("actor", name).inc()
        for name in decision.regions:
            metrics.matches.labels("region", name).inc()
        candidate = candidate_for(item, decision, engine.version, (entry or {}).get("h", ""))
        handed_on = candidate is not None
        if candidate is not None:
            out.candidates.add(candidate.rule, candidate)
        if decision.escalations:
            severity = decision.severity or "low"
            for kind, names in (("actor", decision.actors), ("region", decision.regions)):
                for name in names:
                    mention = Mention(
                        entity=name,
                        kind=kind,
                        item_id=item.id,
                        escalations=list(decision.escalations),
                        severity=severity,
                        at=item.fetched_at,
                        watchlist_version=engine.version,
                    )
                    out.mentions.add(name, mention)
                    handed_on = True
        if entry is not None and handed_on:
            # Only items that hand something on need remembering: matching a repeat of
            # one that did not would hand nothing on either, and most items are such.
            seen[item.id] = entry
        metrics.items.labels("processed").inc()

    progress = {"events": 0}

    async def guarded(event: EventT, stage: str, handle: Handler) -> None:
        # One bad record must not stop the stream: it is dead-lettered and the agent goes on.
        progress["events"] += 1
        try:
            await handle(event)
        except (RecordError, ValueError) as exc:
            await dead_letter(event, stage, str(exc))
        except Exception as exc:
            log.exception("%s handling failed", stage)
            await dead_letter(event, stage, f"{type(exc).__name__}: {exc}")

    async def tell(event: EventT) -> None:
        msg = event.message
        view = WriteBack(books)
        store = StoryStore(view, story_window)
        sent: list[Awaitable[Any]] = []
        try:
            for index, candidate in enumerate(decode_candidates(msg.value)):
                alert = store.apply(candidate, position(msg.offset, index))
                if alert is not None:
                    sent.append(await emit(alert, candidate.item.fetched_at))
        finally:  # a record that fails midway keeps the state its sent alerts stand for
            await write_after(sent, view)

    async def count(event: EventT) -> None:
        msg = event.message
        view = WriteBack(surges)
        sent: list[Awaitable[Any]] = []
        try:
            for index, mention in enumerate(decode_mentions(msg.value)):
                state, alert = observe(view.get(mention.entity), mention, position(msg.offset, index), policy)
                view[mention.entity] = state
                if alert is not None:
                    sent.append(await emit(alert, mention.at))
        finally:
            await write_after(sent, view)

    async def hand_off(out: Outboxes) -> None:
        # One record per destination partition; the producer is flushed before the
        # items' offsets are committed (faust commits after its producer flush).
        for partition, candidates in out.candidates.drain():
            await candidates_topic.send(
                key=candidates[0].rule.encode(),
                value=CandidateBatch(entries=candidates).to_bytes(),
                partition=partition,
            )
        for partition, mentions in out.mentions.drain():
            await mentions_topic.send(
                key=mentions[0].entity.encode(),
                value=MentionBatch(entries=mentions).to_bytes(),
                partition=partition,
            )

    @app.agent(items_topic, name="match-items")
    async def match_items(stream: faust.StreamT) -> None:
        out = Outboxes(candidates=Outbox(parts), mentions=Outbox(parts))
        async for events in stream.take_events(ITEMS_PER_BATCH, within=BATCH_WAIT_S):
            for event in events:
                current_event(event)
                await guarded(event, "items", lambda e: match_item(e, out))
                purge(event.message.partition)
            await hand_off(out)

    @app.agent(candidates_topic, name="tell-stories")
    async def tell_stories(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await guarded(event, "stories", tell)

    @app.agent(mentions_topic, name="count-surges")
    async def count_surges(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await guarded(event, "surges", count)

    watchdog = Watchdog(STALL_AFTER_S)

    @app.timer(5.0)
    async def check_progress() -> None:
        now = time.monotonic()
        consumer = app.consumer
        mine = {(tp.topic, tp.partition) for tp in consumer.assignment() if not consumer._is_changelog_tp(tp)}
        waiting = backlog(mine)  # on this worker's own partitions only
        recovered = app.tables.recovery._last_active_event_processed_at  # moves per changelog record
        if watchdog.stalled(now, progress["events"], recovered, not holder.ready.is_set(), waiting):
            log.error(
                "no record processed for %.0f s with %d records waiting on its partitions: restarting",
                watchdog.idle_s(now),
                waiting,
            )
            os._exit(RESTART_EXIT)

    follower = WatchlistFollower(
        bootstrap=bootstrap,
        topic=topics.watchlist,
        fallback=watchlist_file,
        holder=holder,
        metrics=metrics,
        client_config=settings.kafka_client_config(),
    )

    @app.task
    async def follow_watchlist() -> None:
        delay = 1.0
        while True:
            try:
                await follower.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("watchlist follower failed; retrying in %.0f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    return ProcessorApp(app=app, holder=holder, metrics=metrics)
