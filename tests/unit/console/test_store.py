"""The projection: idempotent by alert_id, offsets in the rows' transaction, folded search."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from console_samples import make_alert

from console.store import AlertFilter, Incoming, Store

TOPIC = "t.alerts.v1"


def incoming(alert, offset: int, partition: int = 0) -> Incoming:
    return Incoming(TOPIC, partition, offset, alert.to_bytes())


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "console.db")


def test_every_revision_once_and_the_story_keeps_the_latest(store: Store) -> None:
    first = store.apply([incoming(make_alert(revision=0), 0), incoming(make_alert(revision=1, minutes=5), 1)])
    assert [a.alert_id for a in first.new] == ["al-st-1-0", "al-st-1-1"]
    again = store.apply([incoming(make_alert(revision=0), 0), incoming(make_alert(revision=1, minutes=5), 1)])
    assert again.new == [] and again.duplicates == 2
    assert store.count() == 2
    story = store.story("st-1")
    assert story is not None
    assert story["latest"]["revision"] == 1
    assert [r["revision"] for r in story["revisions"]] == [0, 1]
    assert story["revisions"][1]["update_reason"] == "new outlet"
    assert [r["item_id"] for r in story["reports"]] == ["it-st-1-0", "it-st-1-1"]


def test_an_older_revision_read_late_does_not_replace_the_latest(store: Store) -> None:
    store.apply([incoming(make_alert(revision=2, minutes=9), 0), incoming(make_alert(revision=1), 1)])
    story = store.story("st-1")
    assert story is not None and story["latest"]["revision"] == 2


def test_offsets_are_written_with_the_rows(store: Store) -> None:
    store.apply([incoming(make_alert(revision=0), 7, partition=1)])
    assert store.offsets(TOPIC) == {1: 7}
    store.apply([incoming(make_alert(revision=0), 3, partition=1)])  # a re-read never moves it back
    assert store.offsets(TOPIC) == {1: 7}


def test_a_failed_transaction_keeps_neither_rows_nor_offsets(store: Store, monkeypatch) -> None:
    good = incoming(make_alert(revision=0), 0)

    def boom(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Store, "_body", staticmethod(boom))
    with pytest.raises(sqlite3.OperationalError):
        store.apply([good])
    monkeypatch.undo()
    assert store.count() == 0 and store.offsets(TOPIC) == {}
    store.apply([good])
    assert store.count() == 1 and store.offsets(TOPIC) == {0: 0}


def test_a_malformed_record_is_counted_skipped_and_passed(store: Store) -> None:
    done = store.apply([Incoming(TOPIC, 0, 0, b"{not json"), incoming(make_alert(), 1)])
    assert len(done.malformed) == 1 and done.malformed[0][:2] == (0, 0)
    assert store.count() == 1 and store.offsets(TOPIC) == {0: 1}


def test_the_file_reopens_with_its_content(tmp_path: Path) -> None:
    path = tmp_path / "console.db"
    Store(path).apply([incoming(make_alert(), 0)])
    again = Store(path)
    assert again.count() == 1 and again.offsets(TOPIC) == {0: 0}
    assert again.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _found(store: Store, q: str) -> list[str]:
    return [r["alert_id"] for r in store.alerts(AlertFilter(q=q)).rows]


def test_search_finds_the_canonical_name_from_a_spelling(store: Store) -> None:
    told_as_idlib = make_alert(
        "st-idlib",
        title="Air strikes on Idlib",
        matched=(("Idlib", "region", "Idlib", "Idlib"),),
    )
    store.apply([incoming(make_alert("st-fr"), 0), incoming(told_as_idlib, 1)])
    assert set(_found(store, "Idleb")) == {"al-st-fr-0", "al-st-idlib-0"}
    assert set(_found(store, "idlib")) == {"al-st-fr-0", "al-st-idlib-0"}


@pytest.mark.parametrize(
    "q", ["frappes", "frappe", "FRAPPE aérienne", "frappes aeriennes", "Aériennes", "strike"]
)
def test_search_folds_case_accents_and_plurals(store: Store, q: str) -> None:
    store.apply([incoming(make_alert(), 0)])
    assert _found(store, q) == ["al-st-1-0"]


def test_search_needs_every_word_and_tolerates_syntax(store: Store) -> None:
    store.apply([incoming(make_alert(), 0)])
    assert _found(store, "frappes Damas") == []
    assert _found(store, '"unbalanced AND OR ( NEAR') == []
    assert _found(store, "***") == []


def test_filters(store: Store) -> None:
    store.apply(
        [
            incoming(make_alert("a", severity="critical", regions=("Hama",), notify=["slack-ops"]), 0),
            incoming(make_alert("b", severity="low", minutes=3), 1),
        ]
    )
    assert [r["story_key"] for r in store.alerts().rows] == ["b", "a"]  # newest first
    assert [r["story_key"] for r in store.alerts(AlertFilter(severity=("critical",))).rows] == ["a"]
    assert [r["story_key"] for r in store.alerts(AlertFilter(region="hama")).rows] == ["a"]
    assert [r["story_key"] for r in store.alerts(AlertFilter(channel="slack-ops")).rows] == ["a"]
    assert [r["story_key"] for r in store.alerts(AlertFilter(channel="default")).rows] == ["b"]
    assert [r["story_key"] for r in store.alerts(AlertFilter(actor="Russia", rule="default")).rows] == [
        "b",
        "a",
    ]
    page = store.alerts(size=1)
    assert page.has_next and len(page.rows) == 1
    assert not store.alerts(page=2, size=1).has_next


def test_the_watchlist_spellings_reach_search(store: Store) -> None:
    told_as_idlib = make_alert(
        "st-en", title="Air strikes hit a market in Idlib", matched=(("Idlib", "region", "Idlib", "Idlib"),)
    )
    store.apply([incoming(told_as_idlib, 0)])
    assert _found(store, "Idleb") == []  # nothing says Idleb is Idlib yet
    store.learn_spellings([("Idleb", "Idlib"), ("frappes aériennes", "air strike")])
    assert _found(store, "Idleb") == ["al-st-en-0"]
    assert _found(store, "frappe aérienne") == ["al-st-en-0"]  # via its canonical "air strike"


def test_what_came_after_a_revision(store: Store) -> None:
    store.apply(
        [
            incoming(make_alert(s, severity=v), i)
            for i, (s, v) in enumerate([("a", "low"), ("b", "low"), ("c", "high")])
        ]
    )
    assert [r["alert_id"] for r in store.alerts_after("al-a-0")] == ["al-b-0", "al-c-0"]
    assert [r["alert_id"] for r in store.alerts_after("al-a-0", AlertFilter(severity=("high",)))] == [
        "al-c-0"
    ]
    assert store.alerts_after("unknown") == [] and store.alerts_after("") == []
