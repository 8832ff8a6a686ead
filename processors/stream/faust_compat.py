"""Every faust private API the processor touches, in one place.

Written against faust-streaming 0.15.3, which pyproject.toml pins exactly: a
faust bump touches this module and nothing else. ``check()`` runs before a
worker starts and refuses another faust, or one that lacks a name used here,
with one line instead of an ``AttributeError`` in the middle of a rebalance.

What is used, and why:

- ``faust.streams._current_event``: table writes go to the changelog
  partition of the task's current event; inside a ``take_events`` batch the
  task has none, so ``set_current_event`` sets each item's event.
- ``Consumer._is_changelog_tp``: the watchdog counts only stream partitions.
- ``Recovery._last_active_event_processed_at``: moves per changelog record
  applied, so a worker restoring its tables is busy, not stalled.
- ``Consumer.ack`` / ``_unacked_messages`` / ``_waiting_for_ack``,
  ``seek_to_committed`` and ``_commit``: ``HandledOnlyConsumer`` below.
- ``transport.Consumer``: how an app is given that consumer class.

``HandledOnlyConsumer`` commits only the offsets of records an agent really
handled. faust acks, and so may commit, records it never handed to an agent:
a record fetched in an older consumer generation, or while the flow is
suspended for a rebalance, is dropped from the stream and acked on the spot
("we want to ack the filtered out message", ``faust.streams``). Such an ack
can land in the new generation's bookkeeping, after the revoke cleared it
and before the assignment's seek set the committed offset, and on a
partition with nothing committed yet faust commits any run of acked offsets,
wherever it starts. The commit would then pass records the worker has not
handled, and a SIGKILL before it does would lose them. The consumer marks
such records acked, so a rebalance does not wait for them, but keeps their
offsets out of the commit: they are read again after the assignment's seek,
and every stage is replay-safe. An agent's own ack during a rebalance is
left out too; that costs a replay, never a loss.

Skipped records are read again because the assignment seeks every stream
partition to its committed offset. aiokafka's ``seek_to_committed`` moves
only partitions committed past offset 0, though: a partition with nothing
committed yet (a worker killed before its first commit) would keep the
position its fetcher had reached, past the records faust fetched and
dropped, and sit idle with them waiting. Such partitions are sent to the
beginning, where the app's reset policy (``earliest``) starts them.

It also commits only once the table writes those records made are sent.
faust queues changelog records in its producer buffer, and its flush before
a commit gives up after 0.1 s without progress; a commit could then pass a
record whose state is still queued, and a SIGKILL would lose the state (a
story forgotten, so its next report opens it again: a duplicate alert).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Hashable, Mapping

import faust
import faust.streams as faust_streams
from faust.tables.recovery import Recovery
from faust.transport.drivers.aiokafka import Consumer
from faust.types import TP, EventT, Message
from faust.types.tuples import ack_lock
from mode.utils.futures import notify

from wirewatch.errors import DependencyError

log = logging.getLogger(__name__)

#: The faust-streaming release this module was written against (pinned in pyproject.toml).
FAUST_VERSION = "0.15.3"


def check() -> None:
    """Refuse a faust other than ``FAUST_VERSION``, or one missing a name used here."""
    installed = getattr(faust, "__version__", "unknown")
    if installed != FAUST_VERSION:
        raise DependencyError(
            f"faust-streaming {installed} is installed; the processor is written against "
            f"{FAUST_VERSION} (processors/stream/faust_compat.py): reinstall with `make setup`"
        )
    needed = {
        "faust.streams._current_event": hasattr(faust_streams, "_current_event"),
        "Consumer._commit": hasattr(Consumer, "_commit"),
        "Consumer._is_changelog_tp": hasattr(Consumer, "_is_changelog_tp"),
        "Recovery._last_active_event_processed_at": "_last_active_event_processed_at"
        in Recovery.__annotations__,
    }
    missing = [name for name, present in needed.items() if not present]
    if missing:
        raise DependencyError(f"faust-streaming {installed} lacks {', '.join(missing)}")


def set_current_event(event: EventT) -> None:
    """Make ``event`` the current one of this task, as faust's own iteration does.

    Only the task-local variable: the stream's ``current_event`` attribute
    belongs to faust's background drainer, which reads it to fill the next
    batch, and setting it would swap a new event for an old one and lose it.
    """
    faust_streams._current_event.set(weakref.ref(event))


def stream_partitions(app: faust.App) -> set[tuple[str, int]]:
    """The (topic, partition) pairs assigned to this worker, changelogs left out."""
    consumer = app.consumer
    return {(tp.topic, tp.partition) for tp in consumer.assignment() if not consumer._is_changelog_tp(tp)}


def recovery_mark(app: faust.App) -> Hashable:
    """A value that changes with every changelog record applied while tables recover."""
    mark: Hashable = app.tables.recovery._last_active_event_processed_at
    return mark


def use_handled_only_consumer(app: faust.App) -> None:
    """Give ``app`` the ``HandledOnlyConsumer`` (before its worker creates a consumer)."""
    app.transport.Consumer = HandledOnlyConsumer


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
