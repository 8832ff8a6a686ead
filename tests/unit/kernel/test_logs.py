"""Log floods from the client libraries are held back, counted, and never hide our own lines.

The Kafka clients' warnings stay off the console at INFO; a healthy start's one
known ERROR (the group coordinator not there yet) is demoted, no other error.
"""

from __future__ import annotations

import logging

from aiokafka.errors import GroupAuthorizationFailedError, GroupCoordinatorNotAvailableError

from wirewatch.logs import KafkaClientNoise, RepeatFilter

COORDINATOR = "aiokafka.consumer.group_coordinator"
LOOKUP_FAILED = "Group Coordinator Request failed: %s"


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


def kafka_record(name: str, msg: str, error: Exception, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, (error,), None)


def test_the_coordinator_not_yet_available_on_a_healthy_start_is_no_error_line() -> None:
    noise = KafkaClientNoise()
    starting = kafka_record(COORDINATOR, LOOKUP_FAILED, GroupCoordinatorNotAvailableError())
    assert not noise.filter(starting)
    assert (starting.levelname, noise.held) == ("WARNING", {("aiokafka", "WARNING"): 1})


def test_other_errors_of_the_coordinator_lookup_and_other_loggers_stay_errors() -> None:
    noise = KafkaClientNoise()
    denied = kafka_record(COORDINATOR, LOOKUP_FAILED, GroupAuthorizationFailedError())
    elsewhere = kafka_record("aiokafka.conn", LOOKUP_FAILED, GroupCoordinatorNotAvailableError())
    assert noise.filter(denied) and noise.filter(elsewhere)
    assert (denied.levelname, elsewhere.levelname, noise.held) == ("ERROR", "ERROR", {})


def test_kafka_client_warnings_are_held_at_info_and_shown_at_debug() -> None:
    def warning() -> logging.LogRecord:
        return record("kafka.net.manager", "Bootstrap connection to %s failed", logging.WARNING)

    at_info, at_debug = KafkaClientNoise(), KafkaClientNoise(show_below_error=True)
    assert not at_info.filter(warning()) and at_info.held == {("kafka", "WARNING"): 1}
    assert at_debug.filter(warning())
    assert at_info.filter(record("ingest.service", "feed %s failed", logging.WARNING))
