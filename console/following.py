"""What the console's two followers (alerts; actions and receipts) share.

Each reads its topics with an aiokafka consumer that has no group: it assigns itself every
partition and seeks each to the offset after the last one its store applied (else to the
beginning), so the store's own offsets, written in the same transaction as its rows, are
the only position there is. ``follow_forever`` runs one follower's ``follow`` for the
console's lifetime, retrying a failure with backoff while the console serves what it has.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_RETRY_DELAY_S = 30.0


@dataclass
class Status:
    """Where a follower stands, for the pages' banner and /healthz."""

    state: str = "starting"  # starting | connecting | catching up | live | stopped
    error: str | None = None
    applied: int = 0
    malformed: int = 0


async def follow_forever(follow: Callable[[], Awaitable[None]], status: Status, what: str) -> None:
    """Run ``follow`` until cancelled; a failure is logged in ``status`` and retried with backoff."""
    delay = 1.0
    while True:
        try:
            await follow()
            delay = 1.0
            continue
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task.cancelling():
                status.state = "stopped"
                raise
            # aiokafka's consumer can let a CancelledError of its own out of stop(): a failure
            # of this attempt, not a request to stop
            reason = "aiokafka cancelled a routine of its own"
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
        status.state = "connecting"
        status.error = reason[:300]
        log.warning("%s unreachable (%s); retrying in %.0f s", what, status.error, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_RETRY_DELAY_S)


def new_consumer(bootstrap: str, client_config: Mapping[str, object]) -> Any:
    """A consumer with no group and no commits: the stores keep the positions."""
    from aiokafka import AIOKafkaConsumer

    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **client_config,
    )


async def partitions(consumer: Any, topics: Iterable[str]) -> list[Any]:
    """Every partition of ``topics`` the cluster knows now, metadata refreshed first."""
    from aiokafka import TopicPartition

    # aiokafka has no public call that refreshes the metadata partitions_for_topic reads;
    # its client's, with no topic tracked, refreshes every topic's
    await consumer._client.force_metadata_update()
    return [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]


async def seek_stored(consumer: Any, tps: Iterable[Any], stored: Callable[[str], Mapping[int, int]]) -> None:
    """Each partition to the offset after the last one ``stored(topic)`` has, else its beginning."""
    for tp in tps:
        done = stored(tp.topic)
        if tp.partition in done:
            consumer.seek(tp, done[tp.partition] + 1)
        else:
            await consumer.seek_to_beginning(tp)
