"""The surge stage: mentions (routed by entity) counted in windows; a surge is an alert.

Reads one hand-off record per event, folds each mention into its entity's
window counts (``observe`` in processors/stream/surge.py), sends the surge
alerts that result, and writes the counts once the broker holds them.
"""

from __future__ import annotations

from collections.abc import Awaitable, MutableMapping
from typing import Any

from faust.types import EventT

from processors.stream.batches import WriteBack, decode_mentions, position
from processors.stream.stages.base import AlertSink, DeadLetters, Progress, Stage
from processors.stream.surge import SurgePolicy, observe


class SurgeStage(Stage):
    """Counts mentions per entity; state: the surges table (entity -> window counts)."""

    name = "surges"

    def __init__(
        self,
        surges: MutableMapping[str, Any],
        policy: SurgePolicy,
        alerts: AlertSink,
        dead_letters: DeadLetters,
        progress: Progress,
    ):
        super().__init__(dead_letters, progress)
        self.surges = surges
        self.policy = policy
        self.alerts = alerts

    async def process(self, event: EventT) -> None:
        msg = event.message
        view = WriteBack(self.surges)
        sent: list[Awaitable[Any]] = []
        try:
            for index, mention in enumerate(decode_mentions(msg.value)):
                state, alert = observe(
                    view.get(mention.entity), mention, position(msg.offset, index), self.policy
                )
                view[mention.entity] = state
                if alert is not None:
                    sent.append(await self.alerts.emit(alert, mention.at))
        finally:
            await self.alerts.write_after(sent, view)
