"""Item dedup by id and content, replay-safe."""

from __future__ import annotations

from datetime import UTC, datetime

from processors.stream import dedup
from wirewatch.records import NewsItem

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def item(title: str = "Frappes sur Idleb") -> NewsItem:
    return NewsItem(id="x", feed="f", source="AFP", title=title, published_at=NOW, fetched_at=NOW)


def test_first_sight_is_processed_and_remembered() -> None:
    ok, entry = dedup.admit(None, item(), "0:10")
    assert ok and entry is not None and entry["o"] == "0:10"


def test_a_republished_copy_is_dropped() -> None:
    _, entry = dedup.admit(None, item(), "0:10")
    assert dedup.admit(entry, item(), "1:99") == (False, None)


def test_the_same_record_replayed_after_a_crash_is_processed_again() -> None:
    _, entry = dedup.admit(None, item(), "0:10")
    assert dedup.admit(entry, item(), "0:10") == (True, None)


def test_an_item_updated_in_place_is_processed_again() -> None:
    _, entry = dedup.admit(None, item(), "0:10")
    ok, new = dedup.admit(entry, item("Frappes massives sur Idleb"), "0:11")
    assert ok and new is not None and new["h"] != entry["h"]  # type: ignore[index]


def test_entries_expire_after_the_ttl() -> None:
    _, entry = dedup.admit(None, item(), "0:10")
    assert entry is not None
    assert not dedup.expired(entry, NOW.timestamp() + 3599, 3600)
    assert dedup.expired(entry, NOW.timestamp() + 3601, 3600)
