"""The processor's three stages in one process, without Kafka: their own cost per item.

The items of ``bench.stream.processor`` (60-word FR/EN items, the 20,000-alias
watchlist) go through the real ``MatchStage``, ``StoryStage`` and
``SurgeStage`` with dicts for tables and topics that keep what is sent: the
first stage a batch of 200 items at a time, the hand-off records it sends
then read by the later stages, as in the worker. What is left between this
and ``bench.stream.processor``'s figure is faust and Kafka.

Times are CPU seconds of this process (``time.process_time``): the machines are shared.

``--profile FILE`` writes a cProfile of the stages (``python -m pstats FILE``).
``--digest`` prints a hash of everything the stages sent (alerts, hand-off
entries, dead letters) and of the final tables: run it on two checkouts
(``PYTHONPATH=<checkout>``, cwd the checkout) to show they give the same results.

Run: ``.venv/bin/python -m bench.stream.stages [--items 5000] [--profile out.prof] [--digest]``
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from bench.matching.corpus import big_watchlist
from bench.stream.processor import loadable, make_items
from processors.matching import Engine
from processors.stream.grouping import GroupingPolicy
from processors.stream.live_watchlist import EngineHolder
from processors.stream.metrics import ProcessorMetrics
from processors.stream.stages import AlertSink, DeadLetters, MatchStage, Progress, StoryStage, SurgeStage
from processors.stream.stages.match import HandOff
from processors.stream.surge import SurgePolicy

#: Fixed times, so two checkouts see the same items.
AT = datetime(2026, 3, 2, 12, tzinfo=UTC)
BATCH = 200
PARTITIONS = 3


@dataclass(repr=False)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(repr=False)
class Event:
    message: Message


@dataclass(repr=False)
class Topic:
    """Keeps what is sent, with its partition and offset, as the broker would."""

    name: str
    sent: list[Message] = field(default_factory=list)
    ends: dict[int, int] = field(default_factory=dict)

    async def send(
        self, key: bytes | None = None, value: bytes = b"", partition: int | None = None, **_: Any
    ) -> Any:
        part = partition or 0
        offset = self.ends.get(part, 0)
        self.ends[part] = offset + 1
        self.sent.append(Message(self.name, part, offset, key, value))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


Outcome = tuple[dict[str, Topic], dict[str, dict[str, Any]], dict[str, float]]


async def run(items: list[bytes], engine: Engine) -> Outcome:
    metrics = ProcessorMetrics.create(CollectorRegistry())
    topics = {name: Topic(name) for name in ("candidates", "mentions", "alerts", "dlq")}
    tables: dict[str, dict[str, Any]] = {"seen": {}, "stories": {}, "surges": {}}
    holder = EngineHolder()
    holder.swap(engine)
    progress = Progress()
    alerts = AlertSink(topics["alerts"], metrics)
    letters = DeadLetters(topics["dlq"], metrics)
    hand_off = HandOff(topics["candidates"], topics["mentions"], PARTITIONS)
    matcher = MatchStage(tables["seen"], holder, hand_off, 48 * 3600, metrics, letters, progress)
    teller = StoryStage(tables["stories"], GroupingPolicy(), alerts, letters, progress)
    counter = SurgeStage(tables["surges"], SurgePolicy(), alerts, letters, progress)
    events = [Event(Message("items", i % PARTITIONS, i // PARTITIONS, None, v)) for i, v in enumerate(items)]
    cpu = {"match": 0.0, "stories": 0.0, "surges": 0.0}
    for start in range(0, len(events), BATCH):
        first = len(topics["candidates"].sent), len(topics["mentions"].sent)
        t0 = time.process_time()
        await matcher.process_batch(events[start : start + BATCH])
        t1 = time.process_time()
        for m in topics["candidates"].sent[first[0] :]:
            await teller.handle(Event(m))
        t2 = time.process_time()
        for m in topics["mentions"].sent[first[1] :]:
            await counter.handle(Event(m))
        t3 = time.process_time()
        cpu["match"] += t1 - t0
        cpu["stories"] += t2 - t1
        cpu["surges"] += t3 - t2
    return topics, tables, cpu


def digest(topics: dict[str, Topic], tables: dict[str, dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for name, topic in sorted(topics.items()):
        for m in topic.sent:
            h.update(f"{name}|{m.partition}|{m.offset}|".encode() + (m.key or b"") + b"|")
            h.update(json.dumps(json.loads(m.value), sort_keys=True).encode())
    h.update(json.dumps(tables, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--words", type=int, default=60)
    parser.add_argument("--profile", help="write a cProfile of the stages to this file")
    parser.add_argument("--digest", action="store_true", help="print a hash of the results")
    parser.add_argument(
        "--python-gc", action="store_true", help="keep CPython's GC thresholds (not the worker's)"
    )
    args = parser.parse_args()
    if not args.python_gc:
        try:
            from processors.stream.worker import tune_gc
        except ImportError:  # a checkout from before the worker tuned its collector
            pass
        else:
            tune_gc()
    watchlist = loadable(big_watchlist())
    places = [r.name for r in watchlist.regions[-2000:]]
    items = [
        i.model_copy(update={"published_at": AT, "fetched_at": AT}).to_bytes()
        for i in make_items(args.items, places, args.words)
    ]
    engine = Engine.build(watchlist)
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    topics, tables, cpu = asyncio.run(run(items, engine))
    if profile:
        profile.disable()
        profile.dump_stats(args.profile)
    n = {name: len(t.sent) for name, t in topics.items()}
    per_item = {stage: f"{1e6 * s / args.items:.0f}" for stage, s in cpu.items()}
    seconds = sum(cpu.values())
    print(
        f"{args.items} items: {1e6 * seconds / args.items:.0f} µs CPU/item "
        f"({args.items / seconds:,.0f} items/s), per stage {per_item}; "
        f"records sent {n}; stories {sum(1 for k in tables['stories'] if k.startswith('story|'))}"
    )
    if args.digest:
        print("digest", digest(topics, tables))


if __name__ == "__main__":
    main()
