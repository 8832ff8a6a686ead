"""Commit only the offsets of records an agent really handled.

faust acks, and so may commit, records it never handed to an agent: a
record fetched in an older consumer generation, or while the flow is
suspended for a rebalance, is dropped from the stream and acked on the spot
("we want to ack the filtered out message", ``faust.streams``). Such an ack
can land in the new generation's bookkeeping, after the revoke cleared it
and before the assignment's seek set the committed offset, and on a
partition with nothing committed yet faust commits any run of acked
offsets, wherever it starts. The commit then passes records the worker has
not handled, and a SIGKILL before it does loses them. CI saw it once: one
story of 60 missing after the crash test (tests/integration/stream).

``HandledOnlyConsumer`` marks such records acked, so a rebalance does not
wait for them, but keeps their offsets out of the commit: they are read
again after the assignment's seek, and every stage is replay-safe. An
agent's own ack during a rebalance is left out too; that costs a replay,
never a loss.

Skipped records are read again because the assignment seeks every stream
partition to its committed offset. aiokafka's ``seek_to_committed`` moves
only partitions committed past offset 0, though: a partition with nothing
committed yet (a worker killed before its first commit) kept the position
its fetcher had reached, past the records faust had fetched and dropped, and
the worker sat idle with them waiting until the watchdog restarted it (one
crash-and-restart in three, ~30 s late). Such partitions are now sent to
the beginning, where the app's reset policy (``earliest``) starts them.

It also commits only once the table writes those records made are sent.
faust queues changelog records in its producer buffer, and its flush before
a commit gives up after 0.1 s without progress; a commit can then pass a
record whose state is still queued, and a SIGKILL loses the state (a story
forgotten, so its next report opens it again: a duplicate alert).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from faust.transport.drivers.aiokafka import Consumer
from faust.types import TP, Message
from faust.types.tuples import ack_lock
from mode.utils.futures import notify

log = logging.getLogger(__name__)


class HandledOnlyConsumer(Consumer):
    """faust's aiokafka consumer, minus the acks of records no agent handled."""

    #: Acks kept out of the commit since the worker started.
    skipped_acks = 0

    def ack(self, message: Message) -> bool:
        app = self.app
        if app.flow_control.is_active() and message.generation_id == app.consumer_generation_id:
            return super().ack(message)
        with ack_lock:
            if not message.acked:
                message.acked = True
                self._unacked_messages.discard(message)
                self.skipped_acks += 1
                log.debug(
                    "not committing %s[%d]@%d: read again after the rebalance",
                    message.topic,
                    message.partition,
                    message.offset,
                )
            notify(self._waiting_for_ack)
        return False

    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed = await super().seek_to_committed()
        unset = [tp for tp, offset in committed.items() if not offset and not self._is_changelog_tp(tp)]
        if unset:  # nothing committed (or 0): aiokafka left them where its fetcher was
            # the app resets to ``earliest`` (app.py): the beginning is where they start
            await self._thread.seek_to_beginning(*unset)
            log.debug("no committed offset: %s read from the beginning", sorted(unset))
        return committed

    async def _commit(self, offsets: Mapping[TP, int]) -> bool:
        producer = self.app.producer
        while producer.buffer.size and not self.should_stop:
            await producer.flush()  # the changelog records of what is being committed
        return await super()._commit(offsets)
