"""The faust app: topics, tables, and three thin agents wired to the stages.

::

    items (key item id) ──MatchStage──▶ candidates (routed by rule) ──StoryStage──▶ alerts (key story)
                              │
                              └───────▶ mentions (routed by entity) ──SurgeStage──▶ alerts

The stages (``processors/stream/stages/``) hold the work, the state and the
dead-letter path; this module only declares what faust runs: the topics, the
changelog-backed tables, the agents, the watchdog timer, the watchlist
follower task and the status heartbeat. Every faust private API is reached through ``faust_compat``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import faust

from processors.stream import faust_compat
from processors.stream.grouping import grouping_policy
from processors.stream.live_watchlist import EngineHolder, WatchlistFollower
from processors.stream.metrics import ProcessorMetrics
from processors.stream.stages import AlertSink, DeadLetters, MatchStage, Progress, StoryStage, SurgeStage
from processors.stream.stages.match import HandOff
from processors.stream.surge import SurgePolicy
from processors.stream.watchdog import StallCheck, Watchdog
from processors.stream.worker_status import StatusReporter
from wirewatch.settings import Settings
from wirewatch.topics import Topics

log = logging.getLogger(__name__)

#: Items the match stage reads before handing their candidates and mentions on.
ITEMS_PER_BATCH = 200
#: Longest a partial batch waits for more items (bounds the latency it adds).
BATCH_WAIT_S = 0.05
#: A worker with records waiting and no progress for this long restarts itself.
STALL_AFTER_S = 20.0
#: Exit code asking `wirewatch process` to start a new worker (see worker.supervise_worker).
RESTART_EXIT = 3

#: Backlog of the worker's own partitions: records waiting on the assigned (topic, partition)s.
Backlog = Callable[[set[tuple[str, int]]], int]

RAW: dict[str, Any] = {"key_type": bytes, "value_type": bytes, "value_serializer": "raw"}


@dataclass
class ProcessorApp:
    """The faust app plus what its agents share; build with ``build_app``."""

    app: faust.App
    holder: EngineHolder
    metrics: ProcessorMetrics


def faust_broker_url(bootstrap: str) -> list[str]:
    return [f"kafka://{hostport.strip()}" for hostport in bootstrap.split(",") if hostport.strip()]


def surge_policy(settings: Settings) -> SurgePolicy:
    return SurgePolicy(
        size=timedelta(minutes=settings.surge_window_minutes),
        step=timedelta(minutes=settings.surge_step_minutes),
        baseline=timedelta(hours=settings.surge_baseline_hours),
        min_count=settings.surge_min_count,
        factor=settings.surge_factor,
    )


def faust_app(settings: Settings, bootstrap: str) -> faust.App:
    """The faust app of the processor group, with the consumer that commits only handled records."""
    datadir = settings.data_dir / "processor"
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        Topics.from_settings(settings).processor_group,
        broker=faust_broker_url(bootstrap),
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        broker_session_timeout=settings.processor_session_timeout_s,
        broker_heartbeat_interval=max(1.0, settings.processor_session_timeout_s / 5),
        datadir=str(datadir),
    )
    faust_compat.use_handled_only_consumer(app)  # before the worker creates its consumer
    return app


def build_app(
    settings: Settings,
    bootstrap: str,
    watchlist_file: Path,
    metrics: ProcessorMetrics,
    backlog: Backlog = lambda assigned: 0,
) -> ProcessorApp:
    """Build the faust app and its agents (nothing runs until a faust Worker starts it)."""
    faust_compat.check()
    topics = Topics.from_settings(settings)
    parts = settings.partitions
    app = faust_app(settings, bootstrap)
    items_topic = app.topic(topics.items, partitions=parts, **RAW)
    candidates_topic = app.topic(topics.candidates, partitions=parts, internal=True, **RAW)
    mentions_topic = app.topic(topics.mentions, partitions=parts, internal=True, **RAW)
    alerts = AlertSink(app.topic(topics.alerts, **RAW), metrics)
    dead_letters = DeadLetters(app.topic(topics.items_dlq, **RAW), metrics)

    seen = app.Table("seen", default=None, partitions=parts, help="item id -> dedup entry")
    stories = app.Table("stories", default=None, partitions=parts, help="open stories and their index")
    surges = app.Table("surges", default=None, partitions=parts, help="entity -> window counts")

    holder = EngineHolder()
    progress = Progress()
    hand_off = HandOff(candidates_topic, mentions_topic, parts)
    ttl_s = settings.dedup_ttl_hours * 3600
    matcher = MatchStage(seen, holder, hand_off, ttl_s, metrics, dead_letters, progress)
    teller = StoryStage(stories, grouping_policy(settings), alerts, dead_letters, progress)
    counter = SurgeStage(surges, surge_policy(settings), alerts, dead_letters, progress)

    @app.agent(items_topic, name="match-items")
    async def match_items(stream: faust.StreamT) -> None:
        async for events in stream.take_events(ITEMS_PER_BATCH, within=BATCH_WAIT_S):
            await matcher.process_batch(events)

    @app.agent(candidates_topic, name="tell-stories")
    async def tell_stories(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await teller.handle(event)

    @app.agent(mentions_topic, name="count-surges")
    async def count_surges(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await counter.handle(event)

    check = StallCheck(
        Watchdog(STALL_AFTER_S),
        handled=lambda: progress.events,
        recovered=lambda: faust_compat.recovery_mark(app),
        starting=lambda: not holder.ready.is_set(),
        waiting=lambda: backlog(faust_compat.stream_partitions(app)),
    )

    @app.timer(5.0)
    async def check_progress() -> None:
        now = time.monotonic()
        stuck, waiting = check.stalled(now)
        if stuck:
            log.error(
                "no record processed for %.0f s with %d records waiting on its partitions: restarting",
                check.watchdog.idle_s(now),
                waiting,
            )
            os._exit(RESTART_EXIT)

    status = StatusReporter(
        bootstrap=bootstrap,
        topic=topics.processor_status,
        gauge=metrics.worker_watchlist,
        client_config=settings.kafka_client_config(),
    )
    follower = WatchlistFollower(
        bootstrap=bootstrap,
        topics=topics,
        fallback=watchlist_file,
        holder=holder,
        metrics=metrics,
        client_config=settings.kafka_client_config(),
        status=status,
    )
    app.task(follower.follow)
    app.task(status.heartbeat)
    return ProcessorApp(app=app, holder=holder, metrics=metrics)
