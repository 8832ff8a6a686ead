"""Only records an agent handled reach the commit (processors/stream/faust_compat.py)."""

from __future__ import annotations

import faust
from faust.types.tuples import TP, Message

from processors.stream.faust_compat import HandledOnlyConsumer

ITEMS = TP("items", 0)


def message(offset: int, generation: int) -> Message:
    return Message(
        ITEMS.topic, ITEMS.partition, offset, 0.0, 0, {}, b"k", b"v", None, generation_id=generation
    )


# One app for the module: its event loop stays referenced until exit (a loop collected mid-run
# warns from __del__, and CPython 3.11 can trip on that while pytest compiles a module).
APP = faust.App("offsets-test", broker="kafka://127.0.0.1:9")  # never connects
APP.transport.Consumer = HandledOnlyConsumer
APP.topics._acking_topics.add(ITEMS.topic)
STORIES = APP.Table("stories", default=int)  # a table, so the app has a changelog topic


def consumer_in_generation(generation: int) -> HandledOnlyConsumer:
    consumer = APP._new_consumer()
    assert isinstance(consumer, HandledOnlyConsumer)
    APP.consumer_generation_id = generation
    APP.flow_control.resume()
    return consumer


def test_a_record_skipped_from_an_older_generation_does_not_open_a_commit() -> None:
    # Generation 2 starts at offset 0 with nothing committed. faust skips and acks 0-4 read
    # in generation 1; counted, they would commit 5 before generation 2 handles anything.
    consumer = consumer_in_generation(2)
    stale = [message(n, 1) for n in range(5)]
    assert not any(consumer.ack(m) for m in stale)
    assert all(m.acked for m in stale)  # so a rebalance does not wait for them
    assert consumer._new_offset(ITEMS) is None
    assert consumer.skipped_acks == 5
    for n in range(3):
        assert consumer.ack(message(n, 2))
    assert consumer._new_offset(ITEMS) == 3  # only what generation 2 handled


def test_acks_while_the_flow_is_suspended_are_left_for_the_replay() -> None:
    consumer = consumer_in_generation(2)
    consumer.app.flow_control.suspend()  # a rebalance is under way
    during = message(0, 2)
    assert not consumer.ack(during) and during.acked
    assert consumer._new_offset(ITEMS) is None
    consumer.app.flow_control.resume()
    for n in range(2):  # read again after the assignment's seek, and handled
        assert consumer.ack(message(n, 2))
    assert consumer._new_offset(ITEMS) == 2


class _Thread:
    """The consumer thread's seeks, recorded: aiokafka left out, as in its ``seek_to_committed``."""

    def __init__(self, committed: dict[TP, int | None]):
        self.committed = committed
        self.to_beginning: list[TP] = []

    async def seek_to_committed(self) -> dict[TP, int | None]:
        return self.committed

    async def seek_to_beginning(self, *tps: TP) -> None:
        self.to_beginning.extend(tps)


def test_partitions_with_nothing_committed_are_read_again_from_the_beginning() -> None:
    # aiokafka seeks only partitions committed past 0; the others kept their fetch position,
    # past records faust fetched and dropped in the rebalance: the worker sat idle with them.
    import asyncio

    consumer = consumer_in_generation(2)
    changelog = TP(STORIES.changelog_topic.get_topic_name(), 0)
    assert consumer._is_changelog_tp(changelog)
    never, zero, some = TP("items", 0), TP("items", 1), TP("items", 2)
    thread = _Thread({never: None, zero: 0, some: 7, changelog: None})
    consumer._thread = thread  # type: ignore[assignment]
    committed = asyncio.run(consumer.seek_to_committed())
    assert committed == thread.committed
    assert sorted(thread.to_beginning) == [never, zero]  # not the committed one, not the changelog
