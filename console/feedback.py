"""``wirewatch feedback export --jsonl``: the analysts' "not relevant" marks as labelled cases.

Reads the actions topic from the beginning of every partition, with no consumer group, and
stops at the end offsets it found on start. Each mark (the latest record per alert and
analyst, as compaction keeps it) becomes one JSON line in the ``try --jsonl`` input shape
(``id``, ``title``, ``lang``; ``summary`` when known) plus the label and what it matched:
``label`` ("not_relevant"), ``reason``, ``rules``, ``evidence``, ``actor``, ``at``,
``alert_id``, ``story_key``. The reports cited are the ones the evidence names (else the
alert's latest), so ``wirewatch try --jsonl`` reads the file back as it is.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import typer

from wirewatch.actions import Action
from wirewatch.errors import RecordError

feedback_app = typer.Typer(
    help="The analysts' feedback on alerts.\n\nExample: wirewatch feedback export --jsonl > cases.jsonl",
    no_args_is_help=True,
)


def cases(actions: Iterable[Action]) -> Iterator[dict[str, Any]]:
    """One labelled case per not_relevant mark (the latest per key), in the order first seen."""
    latest: dict[str, Action] = {}
    for action in actions:
        if action.kind == "not_relevant":
            latest[action.key] = action
    for action in latest.values():
        cited = {e.item_id for e in action.evidence if e.item_id}
        items = [i for i in action.items if i.id in cited] or action.items[-1:]
        for item in items:
            case: dict[str, Any] = {"id": item.id, "title": item.title, "lang": item.lang}
            case.update(
                label="not_relevant",
                reason=action.reason,
                rules=action.rules,
                evidence=[e.model_dump(mode="json") for e in action.evidence if e.item_id in (None, item.id)],
                actor=action.actor,
                at=action.at.isoformat(),
                alert_id=action.alert_id,
                story_key=action.story_key,
            )
            yield case


def read_actions(bootstrap: str, topic: str, client_config: dict[str, object]) -> Iterator[Action]:
    """Every decodable action on ``topic`` up to its end offsets at the start (undecodable: skipped)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=2000,
        **client_config,
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        pending = {tp for tp in tps if end[tp] > 0}
        while pending:
            batch = consumer.poll(timeout_ms=1000, max_records=500)
            for records in batch.values():
                for r in records:
                    try:
                        yield Action.from_bytes(r.value)
                    except RecordError:
                        continue
            pending = {tp for tp in pending if consumer.position(tp) < end[tp]}
    finally:
        consumer.close()


def write(found: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for case in found:
        out.write(json.dumps(case, ensure_ascii=False) + "\n")
        n += 1
    return n


@feedback_app.command("export")
def export(
    jsonl: bool = typer.Option(False, "--jsonl", help="one JSON object per line (the only format)"),
) -> None:
    """Print every "not relevant" mark as a labelled case, one JSON line each, then exit.

    Example: wirewatch feedback export --jsonl > cases.jsonl && wirewatch try --jsonl < cases.jsonl
    """
    from wirewatch.output import fail, say
    from wirewatch.settings import get_settings
    from wirewatch.topics import Topics

    if not jsonl:
        fail("say the format: --jsonl", 2)
    settings = get_settings()
    if not settings.kafka_bootstrap:
        fail("WIREWATCH_KAFKA_BOOTSTRAP is not set: the marks are on the actions topic", 2)
    assert settings.kafka_bootstrap is not None
    topic = Topics(settings.topic_prefix).actions
    n = write(
        cases(read_actions(settings.kafka_bootstrap, topic, settings.kafka_client_config())), sys.stdout
    )
    sys.stdout.flush()
    say(f"{n} labelled case(s) from {topic}")
