"""The processor's watchdog: stalled only when nothing moves while records wait."""

from __future__ import annotations

from processors.stream.watchdog import Watchdog


def run(dog: Watchdog, ticks: list[tuple[int, object, bool, int]], every_s: float = 5.0) -> list[bool]:
    return [dog.stalled(i * every_s, *tick) for i, tick in enumerate(ticks)]


def test_stalled_once_nothing_is_handled_for_too_long_with_records_waiting() -> None:
    verdicts = run(Watchdog(20.0), [(7, None, False, 40)] * 6)
    assert verdicts == [False] * 5 + [True]  # 25 s idle > 20 s


def test_handling_records_or_an_empty_backlog_is_not_a_stall() -> None:
    assert not any(run(Watchdog(20.0), [(n, None, False, 40) for n in range(10)]))
    assert not any(run(Watchdog(20.0), [(7, None, False, 0)] * 10))


def test_a_long_table_recovery_is_busy_not_stalled() -> None:
    # A week of changelog to restore: no record handled for a minute, but each tick the
    # recovery has applied more changelog records.
    recovering = [(0, float(t), False, 5_000) for t in range(12)]
    assert not any(run(Watchdog(20.0), recovering))
    assert run(Watchdog(20.0), recovering + [(0, 11.0, False, 5_000)] * 6)[-1]  # then it stops moving


def test_building_the_first_engine_is_busy_not_stalled() -> None:
    assert not any(run(Watchdog(20.0), [(0, None, True, 5_000)] * 12))
