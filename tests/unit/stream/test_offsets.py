"""Only records an agent handled reach the commit (processors/stream/offsets.py)."""

from __future__ import annotations

import faust
from faust.types.tuples import TP, Message

from processors.stream.offsets import HandledOnlyConsumer

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
