"""Log floods from the client libraries are held back, counted, and never hide our own lines."""

from __future__ import annotations

import logging

from wirewatch.logs import RepeatFilter


def record(name: str, msg: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, ("b:9092",), None)


def test_a_flood_passes_its_first_burst_then_says_how_many_were_held_back() -> None:
    now = [0.0]
    repeats = RepeatFilter(burst=3, window_s=60, clock=lambda: now[0])
    passed = [repeats.filter(record("aiokafka.conn", "Unable to connect to %s")) for _ in range(1000)]
    assert passed.count(True) == 3 and passed[:3] == [True] * 3
    assert repeats.filter(record("aiokafka.conn", "Other error %s"))  # another kind has its own burst
    now[0] = 61.0
    next_window = record("aiokafka.conn", "Unable to connect to %s")
    assert repeats.filter(next_window)
    assert (
        next_window.getMessage()
        == "Unable to connect to b:9092 [997 more like this held back in the last 60 s]"
    )


def test_our_own_loggers_are_never_held_back() -> None:
    repeats = RepeatFilter(burst=1)
    assert all(repeats.filter(record("processors.stream.app", "dead-lettering %s")) for _ in range(50))
