"""The story stage's memos change nothing: stories kept made across records, records validated once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from processors.stream import stories as stories_module
from processors.stream.batches import WriteBack
from processors.stream.candidates import Candidate
from processors.stream.grouping import GroupingPolicy
from processors.stream.signature import Signature
from processors.stream.stories import Story, StoryStore
from wirewatch.records import Alert, AlertItem, Evidence

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
TOWNS = ["Saraqib", "Ariha", "Sarmin", "Binnish"]
OUTLETS = [("AFP", "fr"), ("Reuters", "en"), ("AP", "en"), ("RFI", "fr")]


def candidates(n: int, seed: int = 5) -> list[Candidate]:
    """Reports of a few events in one governorate, some repeated in place, in mixed order."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        source, lang = rng.choice(OUTLETS)
        town = rng.choice(TOWNS)
        at = T0 + timedelta(minutes=rng.uniform(0, 600))
        item_id = f"r{rng.randrange(n)}"  # repeats: the same item updated in place
        out.append(
            Candidate.model_validate(
                {
                    "item": {
                        "id": item_id,
                        "title": f"strike on {town} {i}",
                        "url": f"https://example.org/{item_id}",
                        "source": source,
                        "lang": lang,
                        "published_at": at,
                        "fetched_at": at + timedelta(seconds=30),
                    },
                    "rule": "default",
                    "severity": rng.choice(["medium", "high", "critical"]),
                    "families": ["air strike"],
                    "actors": ["Russia"],
                    "regions": ["Idlib"],
                    "evidence": [
                        {
                            "entity": "Idlib",
                            "kind": "region",
                            "alias": "Idlib",
                            "matched": "Idlib",
                            "score": 100.0,
                        }
                    ],
                    "watchlist_version": "sha256:abc",
                    "signature": Signature.model_validate(
                        {
                            "places": [town],
                            "broad": ["Idlib"],
                            "toll": rng.choice([None, 3, 5, 9]),
                            "tokens": rng.sample(range(40), 12),
                        }
                    ),
                }
            )
        )
    return out


def told(store_for_record: Any, table: dict[str, Any], cs: list[Candidate], per_record: int) -> list[Any]:
    """Apply ``cs`` as the stage does: one write-back view per record of ``per_record`` entries."""
    alerts = []
    for start in range(0, len(cs), per_record):
        view = WriteBack(table)
        store = store_for_record(view)
        for index, c in enumerate(cs[start : start + per_record]):
            alert = store.apply(c, start * 100_000 + index)
            alerts.append(None if alert is None else alert.model_dump(mode="json"))
        view.flush()
    return alerts


def test_stories_kept_made_across_records_tell_the_same_alerts_and_state() -> None:
    cs = candidates(300)
    policy = GroupingPolicy()
    plain: dict[str, Any] = {}
    memo: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    alone = told(lambda view: StoryStore(view, policy), plain, cs, 7)
    shared = told(lambda view: StoryStore(view, policy, kept), memo, cs, 7)
    assert shared == alone
    assert memo == plain
    assert any(a is not None and a["revision"] > 0 for a in shared)  # joins happened
    assert kept  # and the memo was used


def test_a_join_that_fails_midway_leaves_no_stale_story_in_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    cs = candidates(80, seed=9)
    policy = GroupingPolicy()
    real = stories_module._merge_signature
    calls = {"n": 0}

    def flaky(story: Story, c: Candidate) -> None:
        calls["n"] += 1
        real(story, c)
        if calls["n"] % 5 == 0:  # after the story changed in place, before it is saved
            raise ValueError("boom")

    def run(kept: dict[str, Any] | None) -> tuple[list[Any], dict[str, Any]]:
        calls["n"] = 0
        table: dict[str, Any] = {}
        out: list[Any] = []
        for offset, c in enumerate(cs):
            view = WriteBack(table)
            store = StoryStore(view, policy) if kept is None else StoryStore(view, policy, kept)
            try:
                alert = store.apply(c, offset)
                out.append(None if alert is None else alert.model_dump(mode="json"))
            except ValueError:
                out.append("failed")
            view.flush()
        return out, table

    monkeypatch.setattr(stories_module, "_merge_signature", flaky)
    assert run({}) == run(None)
    assert "failed" in run(None)[0]


def test_an_alert_made_from_memoised_records_equals_one_validated_afresh() -> None:
    store = StoryStore({}, GroupingPolicy())
    alerts = [store.apply(c, i) for i, c in enumerate(candidates(60, seed=3))]
    for key, data in store.table.items():
        if not key.startswith("story|"):
            continue
        story = Story.from_dict(data)
        fresh = Alert(
            **{
                **story.to_alert("g").model_dump(),
                "evidence": [Evidence.model_validate(e) for e in story.evidence],
                "items": [AlertItem.model_validate(i) for i in story.items[:20]],
            }
        )
        assert story.to_alert("g") == fresh
        assert story.to_alert("g").to_bytes() == fresh.to_bytes()
    assert all(a is None or a.items for a in alerts)
