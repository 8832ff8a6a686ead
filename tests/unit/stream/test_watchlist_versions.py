"""Watchlist version records: the versioned format, the bare YAML before it, worker statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from processors.stream.metrics import ProcessorMetrics
from processors.stream.worker_status import StatusReporter
from wirewatch.errors import ConfigError
from wirewatch.watchlist import parse_watchlist
from wirewatch.watchlist_versions import (
    WatchlistVersion,
    WorkerStatus,
    decode_version,
    latest_statuses,
    new_version,
)

TEXT = "version: 1\nregions: [{name: Idlib}]\nescalations: [{name: shelling, terms: {en: [shelling]}}]\n"


def test_a_versioned_record_round_trips_with_its_author_comment_and_parent() -> None:
    watchlist = parse_watchlist(TEXT)
    record = new_version(watchlist, TEXT, "alice", "add Idlib", "sha256:000000000000")
    decoded, again = decode_version(record.to_bytes(), "t@0")
    assert decoded == record and again.content_hash == record.version == watchlist.content_hash
    assert (decoded.author, decoded.comment, decoded.parent) == ("alice", "add Idlib", "sha256:000000000000")


def test_bare_yaml_from_before_versions_still_loads() -> None:
    decoded, watchlist = decode_version(TEXT.encode(), "t@3", timestamp_ms=1_700_000_000_000)
    assert decoded.version == watchlist.content_hash and decoded.text == TEXT
    assert (decoded.author, decoded.comment, decoded.parent) == ("", "", None)
    assert decoded.applied_at == datetime.fromtimestamp(1_700_000_000, UTC)
    flow = b'{"version": 1, "regions": [{"name": "Idlib"}]}'  # YAML that is also JSON, without text
    assert decode_version(flow, "t@4")[1].regions[0].name == "Idlib"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"", "empty value"),
        (b"\xff", "not UTF-8"),
        (b'{"text": "version: 1\\n"}', "not a watchlist version record"),
        (
            WatchlistVersion(version="sha256:ffffffffffff", text=TEXT).to_bytes(),
            "says version sha256:ffffffffffff",
        ),
        (WatchlistVersion(version="x", text="version: 2\n").to_bytes(), "t@9"),
    ],
)
def test_a_bad_record_is_refused_with_where_it_is(value: bytes, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        decode_version(value, "t@9")
    assert message in str(caught.value) and "t@9" in str(caught.value)


@dataclass
class Rec:
    key: bytes
    value: bytes | None


NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def status(worker: str, version: str, age_s: float) -> bytes:
    at = NOW - timedelta(seconds=age_s)
    return WorkerStatus(worker=worker, host="h", pid=1, version=version, since=at, at=at).to_bytes()


def test_live_workers_are_the_latest_status_of_each_heard_from_recently() -> None:
    records = [
        Rec(b"a", status("a", "v1", 200)),
        Rec(b"b", status("b", "v1", 100)),  # dead: too old
        Rec(b"a", status("a", "v2", 5)),
        Rec(b"c", status("c", "v2", 1)),
        Rec(b"c", None),  # stopped
        Rec(b"d", b"not json"),
    ]
    live = latest_statuses(records, NOW, within_s=90)
    assert [(s.worker, s.version) for s in live] == [("a", "v2")]


def test_the_reporter_keeps_one_gauge_series_per_worker_and_tells_refusals() -> None:
    metrics = ProcessorMetrics.create(CollectorRegistry())
    reporter = StatusReporter("b:9092", "status", metrics.worker_watchlist, host="h", pid=7)
    reporter.refused("t@1", "bad")
    reporter.running("v1")
    reporter.refused("t@2", "t@2: version: expected 1")
    reporter.running("v2")
    samples = [s for m in metrics.worker_watchlist.collect() for s in m.samples]
    assert [(s.labels, s.value) for s in samples] == [({"version": "v2", "worker": "h:7"}, 1.0)]
    reporter.refused("t@3", "broken")
    record = reporter.status()
    assert (record.worker, record.version, record.rejected, record.rejected_reason) == (
        "h:7",
        "v2",
        "t@3",
        "broken",
    )
