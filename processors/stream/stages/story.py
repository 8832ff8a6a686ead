"""The story stage: candidates (routed by rule) become alerts, one story per event.

Reads one hand-off record per event, applies its candidates in order to the
stories table through ``StoryStore`` (processors/stream/stories.py), sends
the alerts that result, and writes the record's table changes once the
broker holds them.
"""

from __future__ import annotations

from collections.abc import Awaitable, MutableMapping
from typing import Any

from faust.types import EventT

from processors.stream.batches import WriteBack, decode_candidates, position
from processors.stream.grouping import GroupingPolicy
from processors.stream.stages.base import AlertSink, DeadLetters, Progress, Stage
from processors.stream.stories import StoryStore


class StoryStage(Stage):
    """Tells stories from candidates; state: the stories table (open stories and their index)."""

    name = "stories"

    def __init__(
        self,
        stories: MutableMapping[str, Any],
        policy: GroupingPolicy,
        alerts: AlertSink,
        dead_letters: DeadLetters,
        progress: Progress,
    ):
        super().__init__(dead_letters, progress)
        self.stories = stories
        self.policy = policy
        self.alerts = alerts
        #: the stories made from the table's states, kept across records (``StoryStore.parsed``)
        self.parsed: dict[str, Any] = {}

    async def process(self, event: EventT) -> None:
        msg = event.message
        view = WriteBack(self.stories)
        store = StoryStore(view, self.policy, self.parsed)
        sent: list[Awaitable[Any]] = []
        try:
            for index, candidate in enumerate(decode_candidates(msg.value)):
                alert = store.apply(candidate, position(msg.offset, index))
                if alert is not None:
                    sent.append(await self.alerts.emit(alert, candidate.item.fetched_at))
        finally:  # a record that fails midway keeps the state its sent alerts stand for
            await self.alerts.write_after(sent, view)
