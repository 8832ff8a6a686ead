"""The stage guard, the faust compat check and the stall check, without a broker."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import faust
import pytest

from processors.stream import faust_compat
from processors.stream.stages import DeadLetters, Progress, Stage
from processors.stream.watchdog import StallCheck, Watchdog
from wirewatch.errors import DependencyError
from wirewatch.records import RecordError


class Refusing(Stage):
    name = "stories"

    def __init__(self, error: Exception, sent: list[tuple[str, str]]):
        letters = DeadLetters.__new__(DeadLetters)

        async def send(event: Any, stage: str, reason: str) -> None:
            sent.append((stage, reason))

        letters.send = send  # type: ignore[method-assign]
        super().__init__(letters, Progress())
        self.error = error

    async def process(self, event: Any) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (RecordError("bad candidate record: missing"), "bad candidate record: missing"),
        (ValueError("no such rule"), "no such rule"),
        (KeyError("story"), "KeyError: 'story'"),
    ],
)
async def test_a_record_that_fails_is_dead_lettered_with_its_reason_and_counted(
    error: Exception, reason: str
) -> None:
    sent: list[tuple[str, str]] = []
    stage = Refusing(error, sent)
    await stage.handle(SimpleNamespace())
    await stage.handle(SimpleNamespace())
    assert sent == [("stories", reason)] * 2
    assert stage.progress.events == 2


def test_the_pinned_faust_passes_the_compat_check() -> None:
    assert faust.__version__ == faust_compat.FAUST_VERSION
    faust_compat.check()


def test_another_faust_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faust, "__version__", "0.16.0")
    with pytest.raises(DependencyError, match=r"faust-streaming 0\.16\.0 is installed.*0\.15\.3"):
        faust_compat.check()


def test_a_faust_missing_a_private_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(faust_compat.faust_streams, "_current_event")
    with pytest.raises(DependencyError, match=r"lacks faust\.streams\._current_event"):
        faust_compat.check()


def test_the_stall_check_reads_the_worker_each_time() -> None:
    readings = {"handled": 0, "waiting": 5}
    check = StallCheck(
        Watchdog(20.0),
        handled=lambda: readings["handled"],
        recovered=lambda: None,
        starting=lambda: False,
        waiting=lambda: readings["waiting"],
    )
    assert check.stalled(0.0) == (False, 5)
    assert check.stalled(21.0) == (True, 5)
    readings["handled"] = 1  # a record handled is progress
    assert check.stalled(22.0) == (False, 5)
    readings["waiting"] = 0
    assert check.stalled(60.0) == (False, 0)
