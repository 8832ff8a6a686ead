"""Crash safety and scale-out of the processor group, with real workers and SIGKILL."""

from __future__ import annotations

import json
import time

from kafka import KafkaProducer

from tests.integration.stream.conftest import Stream, news
from wirewatch.records import Alert
from wirewatch.topics import Topics

REGIONS = ("Idleb", "Hama", "Alep")


def separate_stories(n: int, prefix: str, what: str = "Frappes aériennes") -> list:
    # Reports of one region 7 h apart fall outside the 6 h story window: n stories.
    return [
        news(f"{prefix}-{i}", f"{what} sur {REGIONS[i % 3]} ({prefix} {i})", minutes_ago=420 * (n - i))
        for i in range(n)
    ]


def assert_exactly_the_stories(alerts: list[Alert], expected: int) -> None:
    firsts = [a for a in alerts if a.revision == 0]
    assert len({a.story_key for a in firsts}) == expected
    # A replay may repeat an alert, but only with the same alert_id.
    ids: dict[tuple[str, int], set[str]] = {}
    for a in alerts:
        ids.setdefault((a.story_key, a.revision), set()).add(a.alert_id)
    assert all(len(v) == 1 for v in ids.values()), ids


def stories_seen(alerts: list[Alert]) -> int:
    return len({a.story_key for a in alerts})


def test_a_worker_killed_mid_stream_loses_nothing(stream: Stream) -> None:
    items = separate_stories(60, "crash")
    worker = stream.start_worker()
    stream.produce(items[:30])
    stream.alerts(lambda a: stories_seen(a) >= 10)
    stream.produce(items[30:])
    worker.kill()  # SIGKILL: no shutdown, no final commit
    stream.start_worker()
    # A worker that comes back stalled restarts itself after 20 s (STALL_AFTER_S, processors/stream/app.py).
    alerts = stream.alerts(lambda a: stories_seen(a) >= 60, timeout_s=180)
    time.sleep(2)  # let any replayed copies land before checking ids
    alerts = stream.alerts(lambda a: True, timeout_s=1)
    assert_exactly_the_stories(alerts, 60)


def test_two_workers_share_the_load_and_one_takes_over_when_the_other_dies(stream: Stream) -> None:
    first = stream.start_worker()
    stream.start_worker()
    stream.produce(separate_stories(20, "a"))
    stream.alerts(lambda a: stories_seen(a) >= 20, timeout_s=90)
    first.kill()
    stream.produce(separate_stories(20, "b", what="Bombardement"))  # another family: new stories
    alerts = stream.alerts(lambda a: stories_seen(a) >= 40, timeout_s=180)
    assert_exactly_the_stories(alerts, 40)


def test_items_arriving_while_a_batch_is_handled_are_all_matched(stream: Stream) -> None:
    # Items trickle in while the first stage handles its batches: each must reach the story
    # stage exactly as produced. (The fault suite's feed storm once showed an item lost this
    # way, when the batch loop set the stream's current event instead of the task's.)
    stream.start_worker()
    items = separate_stories(600, "trickle")
    stream.produce(items[:1])
    stream.alerts(lambda a: stories_seen(a) >= 1)  # the worker is up: what follows trickles
    producer = KafkaProducer(bootstrap_servers=stream.settings.kafka_bootstrap, acks="all", linger_ms=0)
    for item in items[1:]:
        producer.send(stream.topics.items, key=item.id.encode(), value=item.to_bytes())
        time.sleep(0.002)
    producer.flush(30)
    producer.close()
    wanted = {item.id for item in items}

    def candidates(records: list) -> set[str]:
        return {e["item"]["id"] for r in records for e in json.loads(r.value)["entries"]}

    topic = stream.topics.prefix + ".processor.candidates.v1"
    records = stream.read(topic, lambda rs: candidates(rs) >= wanted, required=False)
    assert sorted(wanted - candidates(records)) == []
    # Each item's dedup entry sits on the changelog partition of the item's own partition,
    # so the worker that owns the item after a rebalance restores its entry.
    on_items = stream.read(stream.topics.items, lambda rs: len(rs) >= len(items))
    item_partition = {r.key.decode(): r.partition for r in on_items}
    changelog = f"{Topics.from_settings(stream.settings).processor_group}-seen-changelog"
    entries = stream.read(changelog, lambda rs: len({r.key for r in rs}) >= len(items))
    assert {json.loads(r.key): r.partition for r in entries} == item_partition
