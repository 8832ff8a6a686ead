"""Two console replicas, each its own follower of the real alerts topic, hold the same rows.

Every replica reads every partition from the beginning with no consumer group, so N of them
agree with each other and with a replica rebuilt from nothing (its file deleted).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from console.metrics import ConsoleMetrics, MeteredProjector
from console.projector import Hub
from console.store import AlertFilter, Store
from tests.integration.console.test_projection import alert, produce
from wirewatch.records import Alert
from wirewatch.settings import Settings
from wirewatch.topics import Topics

#: Searches both replicas must answer the same: French, accents, a canonical name.
QUERIES = ("frappes", "Idleb", "idlib", "aeriennes", "st-3")


def published() -> list[Alert | bytes]:
    """Twelve stories, some told again (revisions 1 and 2), and one record that is no alert."""
    values: list[Alert | bytes] = []
    for revision in range(3):
        for n in range(12):
            if revision <= n % 3:  # stories 0, 3, 6… once; 1, 4… twice; 2, 5… three times
                values.append(alert(f"st-{n}", revision, severity=("high", "critical")[revision % 2]))
        if revision == 0:
            values.append(b"{not an alert")
    return values


def expected_revisions(values: list[Alert | bytes]) -> int:
    return sum(isinstance(v, Alert) for v in values)


def snapshot(store: Store) -> dict[str, object]:
    """Everything the pages and the API read, without the local insertion order (``seq``)."""
    db = store.db

    def table(sql: str) -> list[tuple[object, ...]]:
        return [tuple(r) for r in db.execute(sql)]

    return {
        "alerts": table(
            "SELECT alert_id, story_key, revision, kind, rule, rules, severity, actors, regions, "
            "escalations, notify, sources, langs, headline, update_reason, source_count, report_count, "
            'first_seen, last_seen, record, topic, partition, "offset" FROM alerts ORDER BY alert_id'
        ),
        "stories": table("SELECT * FROM stories ORDER BY story_key"),
        "reports": table("SELECT * FROM reports ORDER BY story_key, item_id"),
        "fts": table("SELECT alert_id, body FROM alerts_fts ORDER BY alert_id"),
        "offsets": table('SELECT topic, partition, "offset" FROM offsets ORDER BY topic, partition'),
        "search": {
            q: sorted(r["alert_id"] for r in store.alerts(AlertFilter(q=q), size=200).rows) for q in QUERIES
        },
    }


@contextlib.asynccontextmanager
async def replica(
    settings: Settings, path: Path
) -> AsyncIterator[tuple[Store, MeteredProjector, CollectorRegistry]]:
    store = Store(path)
    registry = CollectorRegistry()
    projector = MeteredProjector(
        bootstrap=settings.kafka_bootstrap or "",
        topic=Topics(settings.topic_prefix).alerts,
        store=store,
        hub=Hub(),
    )
    projector.attach(ConsoleMetrics.create(registry), measure_lag=True, lag_interval_s=0.5)
    task = asyncio.create_task(projector.run())
    try:
        yield store, projector, registry
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        store.close()


async def caught_up(store: Store, projector: MeteredProjector, count: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not (projector.status.state == "live" and store.count() >= count):
        if time.monotonic() > deadline:
            pytest.fail(f"{store.path.name}: {store.count()}/{count} revisions, {projector.status}")
        await asyncio.sleep(0.1)


async def test_two_replicas_agree_and_a_rebuilt_one_agrees_with_them(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    values = published()
    count = expected_revisions(values)
    await produce(kafka_settings, values)
    topic = Topics(kafka_settings.topic_prefix).alerts
    async with (
        replica(kafka_settings, tmp_path / "a" / "console.db") as (a, pa, ra),
        replica(kafka_settings, tmp_path / "b" / "console.db") as (b, pb, rb),
    ):
        await asyncio.gather(caught_up(a, pa, count), caught_up(b, pb, count))
        first, second = snapshot(a), snapshot(b)
        assert pa.metrics is not None
        pa.metrics.lag.set(-1)  # so a 0 below is a measurement, not the gauge's start value
        deadline = time.monotonic() + 20
        while (
            ra.get_sample_value("wirewatch_console_projection_lag") != 0
            or ra.get_sample_value("wirewatch_console_projection_live") != 1
        ):
            assert time.monotonic() < deadline, "the lag never read 0 on a caught-up replica"
            await asyncio.sleep(0.2)
        for registry in (ra, rb):
            labels = {"topic": topic, "result": "malformed"}
            assert registry.get_sample_value("wirewatch_console_records_total", labels) == 1
    assert len(first["alerts"]) == count  # type: ignore[arg-type]
    assert len(first["stories"]) == 12  # type: ignore[arg-type]
    assert first["search"]["frappes"] and first["search"]["idlib"] == first["search"]["Idleb"]  # type: ignore[index]
    assert first == second

    for leftover in (tmp_path / "a").iterdir():  # console.db and its -wal / -shm
        leftover.unlink()
    async with replica(kafka_settings, tmp_path / "a" / "console.db") as (rebuilt, projector, _):
        await caught_up(rebuilt, projector, count)
        assert snapshot(rebuilt) == first
