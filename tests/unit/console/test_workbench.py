"""The workbench's pure parts: the editor's check, try's spans, the rollout line, the text diff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest import csrf_of

from console.web.workbench import rollout, segments, text_diff
from console.workbench import check_text, spans
from wirewatch.watchlist_versions import WatchlistVersion, WorkerStatus

REPO = Path(__file__).resolve().parents[3]
CHANNELS = REPO / "config" / "channels.yaml"
GOOD = (REPO / "config" / "watchlist.yaml").read_text(encoding="utf-8")
T0 = datetime(2026, 12, 7, 12, tzinfo=UTC)


def test_the_shipped_watchlist_checks() -> None:
    checked = check_text(GOOD, CHANNELS)
    assert checked.ok and checked.errors == []
    assert "rules" in checked.summary


def test_an_unknown_key_is_told_at_its_line() -> None:
    lines = GOOD.splitlines()
    at = next(i for i, line in enumerate(lines) if line == "  - name: Russia") + 1
    lines.insert(at, "    colour: red")
    checked = check_text("\n".join(lines), CHANNELS)
    assert not checked.ok
    assert [(e["line"], e["message"]) for e in checked.errors] == [(at + 1, "unknown key 'colour'")]
    assert checked.errors[0]["text"] == f"watchlist:{at + 1}: unknown key 'colour'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nactors: [\n", "watchlist:"),
        ("", "watchlist"),
        ("a: &x 1\nb: *x\n", "anchor"),
    ],
)
def test_text_that_does_not_parse_is_an_error_not_a_crash(text: str, message: str) -> None:
    checked = check_text(text, CHANNELS)
    assert not checked.ok and message in checked.errors[0]["text"]


def test_a_huge_paste_is_refused_before_parsing() -> None:
    checked = check_text("#" * (600 * 1024), CHANNELS)
    assert not checked.ok and "more than a watchlist may be" in checked.errors[0]["message"]


def test_a_notify_typo_is_a_warning() -> None:
    text = GOOD.replace("notify: [slack-ops]", "notify: [slack-opz]", 1)
    assert text != GOOD
    checked = check_text(text, CHANNELS)
    assert checked.ok and any("slack-opz" in w["message"] for w in checked.warnings)


def test_spans_and_segments() -> None:
    explanation = (
        "  escalation air strike  ← alias 'frappe' matched 'Frappes' [0:7] score 100\n"
        "  region     Idlib  ← alias 'Idleb' matched 'Idleb' [12:17] score 100\n"
        "  again [0:7] and a bad [5:5]"
    )
    assert spans(explanation) == [(0, 7), (12, 17)]
    text = "Frappes sur Idleb."
    assert segments(text, spans(explanation)) == [
        ("Frappes", True),
        (" sur ", False),
        ("Idleb", True),
        (".", False),
    ]
    assert segments("ab", [(0, 9)]) == [("ab", True)]
    assert segments("", []) == []


def worker(name: str, version: str | None, since: datetime | None) -> WorkerStatus:
    return WorkerStatus(worker=name, host="h", pid=1, version=version, since=since, at=T0)


def test_rollout_counts_workers_on_the_live_version() -> None:
    live = WatchlistVersion(version="sha256:new", applied_at=T0, text="x")
    half = rollout(
        live, [worker("a", "sha256:new", T0 + timedelta(seconds=1)), worker("b", "sha256:old", T0)]
    )
    assert half["text"] == "live on 1/2 workers" and half["seconds"] is None
    done = rollout(
        live,
        [
            worker("a", "sha256:new", T0 + timedelta(seconds=1)),
            worker("b", "sha256:new", T0 + timedelta(seconds=1.8)),
        ],
    )
    assert done["text"] == "live on 2/2 workers in 1.8 s"
    assert rollout(live, [])["text"].startswith("no processor worker")
    assert rollout(None, [])["version"] is None


def test_text_diff_classes_lines() -> None:
    a = WatchlistVersion(version="sha256:a", text="one\ntwo\n")
    diff = text_diff(a, a.text, "b", "one\nthree\n")
    kinds = [k for k, _ in diff]
    assert kinds[:3] == ["file", "file", "hunk"]
    assert ("del", "-two") in diff and ("add", "+three") in diff
    assert text_diff(a, a.text, "b", a.text) == []


async def test_a_5_mb_paste_is_refused_with_a_clear_message(session: httpx.AsyncClient) -> None:
    page = await session.get("/")
    answer = await session.post(
        "/watchlist/check", data={"text": "#" * (5 * 1024 * 1024), "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 413
    assert "a watchlist is at most 512 KiB" in answer.text


async def test_without_kafka_the_workbench_says_why(session: httpx.AsyncClient) -> None:
    answer = await session.get("/watchlist")
    assert answer.status_code == 503 and "WIREWATCH_KAFKA_BOOTSTRAP" in answer.text
