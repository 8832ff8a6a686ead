"""Dead letters: alerts a channel never accepted, on ``wirewatch.deliveries.dlq.v1``.

One record per (alert, channel), key = alert id, value = ``DeadLetter`` JSON:
the alert, the channel, why, after how many attempts, and where it was
read. A record of the alerts topic that does not decode is dead-lettered
too, with ``alert`` null and the raw value, so the stream goes on.
``wirewatch dlq replay`` reads them back (see ``alerts.replay``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field

from wirewatch.records import Alert, Record, utcnow

RAW_MAX = 64 * 1024


class DeadLetter(Record):
    """Why ``alert`` never reached ``channel``."""

    alert: Alert | None = None
    channel: str = ""
    reason: str
    attempts: int = 0
    failed_at: datetime = Field(default_factory=utcnow)
    topic: str = ""
    partition: int | None = None
    offset: int | None = None
    #: the undecodable message value (UTF-8, replaced), when ``alert`` is null
    raw: str | None = None


class DeadLetterSink:
    """Publishes dead letters with an aiokafka producer (acks=all) and waits for the ack."""

    def __init__(self, producer: Any, topic: str):
        self._producer = producer
        self.topic = topic

    async def publish(self, letters: Sequence[DeadLetter]) -> None:
        """Send and wait; raises the producer's error if the broker does not take them."""
        futures = []
        for letter in letters:
            key = letter.alert.alert_id if letter.alert else f"raw-{letter.partition}-{letter.offset}"
            futures.append(await self._producer.send(self.topic, value=letter.to_bytes(), key=key.encode()))
        for future in futures:
            await future


def letters_for(alerts: Sequence[Alert], channel: str, reason: str, attempts: int) -> list[DeadLetter]:
    """One dead letter per alert of a failed (possibly folded) delivery."""
    return [DeadLetter(alert=a, channel=channel, reason=reason, attempts=attempts) for a in alerts]


def undecodable(
    value: bytes | None, reason: str, topic: str, partition: int | None, offset: int
) -> DeadLetter:
    """The dead letter of a record that is not a valid ``Alert``."""
    raw = (value or b"")[:RAW_MAX].decode("utf-8", "replace")
    return DeadLetter(reason=reason, topic=topic, partition=partition, offset=offset, raw=raw)
