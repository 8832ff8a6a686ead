"""The SQLite state on disk: what a restart finds, and what it must not."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ingest.fetch import Validators
from ingest.state import TOUCH_EVERY_S, IngestState, Novelty, Record

URL = "http://wire.example/rss"


def test_validators_and_seen_ids_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "ingest" / "state.sqlite3"
    state = IngestState(path)
    state.commit("afp", URL, Validators('"e1"', "Thu, 08 Oct 2015 12:00:00 GMT"), [Record("id-1", "h1", 0)])
    state.close()
    again = IngestState(path)
    assert again.validators("afp", URL) == Validators('"e1"', "Thu, 08 Oct 2015 12:00:00 GMT")
    assert again.novelty("id-1", "h1") == (Novelty.KNOWN, 0)
    assert again.novelty("id-1", "h2") == (Novelty.UPDATED, 1)
    assert again.novelty("id-2", "h1") == (Novelty.NEW, 0)
    again.close()


def test_a_feed_whose_url_changed_starts_without_validators(tmp_path: Path) -> None:
    state = IngestState(tmp_path / "s.sqlite3")
    state.commit("afp", URL, Validators('"e1"'), [])
    assert state.validators("afp", "http://wire.example/other") == Validators()
    state.commit("afp", URL, None, [Record("x", "h", 0)])  # None keeps what is stored
    assert state.validators("afp", URL) == Validators('"e1"')
    state.close()


def test_the_seen_set_is_bounded_on_disk_too(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    state = IngestState(path, seen_max=100)
    for batch in range(5):
        state.commit("f", URL, None, [Record(f"{batch}-{n}", "h", 0) for n in range(40)])
    assert len(state) == 100
    state.close()
    again = IngestState(path, seen_max=100)
    assert len(again) == 100
    assert again.novelty("4-39", "h")[0] is Novelty.KNOWN  # newest kept
    assert again.novelty("0-0", "h")[0] is Novelty.NEW  # oldest forgotten
    again.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM seen").fetchone() == (100,)


def test_known_ids_are_restamped_at_most_hourly(tmp_path: Path) -> None:
    state = IngestState(tmp_path / "s.sqlite3")
    state.commit("f", URL, None, [Record("a", "h", 2)])
    assert state.touch("a") is None
    assert state.touch("a", now=time.time() + TOUCH_EVERY_S + 1) == Record("a", "h", 2)
    assert state.touch("unknown", now=time.time() + TOUCH_EVERY_S + 1) is None
    state.close()


def test_an_update_past_the_cap_is_known(tmp_path: Path) -> None:
    state = IngestState(tmp_path / "s.sqlite3", max_updates=1)
    state.commit("f", URL, None, [Record("a", "h1", 1)])
    assert state.novelty("a", "h2") == (Novelty.KNOWN, 1)
    state.close()
