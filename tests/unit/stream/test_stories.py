"""Story grouping: one alert per event across outlets and languages; replays are idempotent."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from processors.stream.candidates import Candidate
from processors.stream.grouping import GroupingPolicy
from processors.stream.signature import Signature
from processors.stream.stories import StoryStore, alert_id_for

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
WINDOW = GroupingPolicy()


def cand(
    item_id: str,
    source: str,
    minutes: float = 0,
    severity: str = "high",
    regions: tuple[str, ...] = ("Hama", "Idlib"),
    actors: tuple[str, ...] = ("Russia",),
    families: tuple[str, ...] = ("air strike",),
    rule: str = "default",
    title: str = "t",
    lang: str = "fr",
    places: tuple[str, ...] | None = None,
    **signature: object,
) -> Candidate:
    at = T0 + timedelta(minutes=minutes)
    return Candidate.model_validate(
        {
            "item": {
                "id": item_id,
                "title": title,
                "url": f"https://example.org/{item_id}",
                "source": source,
                "lang": lang,
                "published_at": at,
                "fetched_at": at + timedelta(seconds=30),
            },
            "rule": rule,
            "severity": severity,
            "families": list(families),
            "actors": list(actors),
            "regions": list(regions),
            "watchlist_version": "sha256:abc",
            "signature": Signature.model_validate(
                {"places": list(regions if places is None else places), **signature}
            ),
        }
    )


def stories_in(store: StoryStore) -> list[dict]:
    return [v for k, v in store.table.items() if k.startswith("story|")]


def test_first_report_opens_a_story_at_revision_zero() -> None:
    book = StoryStore({}, WINDOW)
    alert = book.apply(cand("a", "AFP"), 0)
    assert alert is not None
    assert (alert.revision, alert.source_count, alert.kind) == (0, 1, "escalation")
    assert alert.alert_id == alert_id_for(alert.story_key, 0)
    assert alert.regions == ["Hama", "Idlib"] and alert.escalations == ["air strike"]


def test_french_and_english_reports_of_one_event_are_one_story_with_two_sources() -> None:
    book = StoryStore({}, WINDOW)
    first = book.apply(cand("afp-fr", "AFP", regions=("Hama", "Idlib")), 0)
    second = book.apply(cand("reuters-en", "Reuters", minutes=60, regions=("Idlib",)), 1)
    assert first is not None and second is not None
    assert second.story_key == first.story_key
    assert second.source_count == 2 and second.revision == 1
    assert [i.id for i in second.items] == ["afp-fr", "reuters-en"]
    assert "2 sources" in (second.update_reason or "")
    assert len(stories_in(book)) == 1


def test_the_same_outlet_rewriting_its_story_grows_it_silently() -> None:
    book = StoryStore({}, WINDOW)
    book.apply(cand("a1", "AFP", tokens=[1, 2, 3, 4, 5]), 0)
    assert book.apply(cand("a2", "AFP", minutes=10, tokens=[1, 2, 3, 4, 6]), 1) is None
    story = stories_in(book)[0]
    assert story["item_ids"] == ["a1", "a2"] and story["report_count"] == 2


def test_the_same_outlet_filing_the_next_event_opens_a_new_story() -> None:
    book = StoryStore({}, WINDOW)
    first = book.apply(cand("a1", "AFP", tokens=[1, 2, 3, 4, 5]), 0)
    second = book.apply(cand("a2", "AFP", minutes=10, tokens=[7, 8, 9, 10, 11]), 1)
    assert first is not None and second is not None and second.story_key != first.story_key
    assert second.grouping and "too little in common for a new report of AFP" in second.grouping


def test_severity_rise_produces_an_update_that_says_so() -> None:
    book = StoryStore({}, WINDOW)
    book.apply(cand("a1", "AFP", severity="medium", tokens=[1, 2, 3]), 0)
    update = book.apply(cand("a2", "AFP", minutes=5, severity="critical", tokens=[1, 2, 3]), 1)
    assert update is not None and update.severity == "critical" and update.revision == 1
    assert "severity medium → critical" in (update.update_reason or "")
    lower = book.apply(cand("a3", "Reuters", minutes=6, severity="low", tokens=[1, 2, 3]), 2)
    assert lower is not None and lower.severity == "critical"  # severity never goes down


def test_an_update_says_what_is_new_and_why_the_report_joined() -> None:
    book = StoryStore({}, WINDOW)
    book.apply(cand("afp", "AFP", places=("Idlib", "Saraqib"), targets=["market"], toll=12), 0)
    update = book.apply(
        cand("ap", "AP", lang="en", minutes=40, places=("Saraqeb", "Sarmin"), targets=["market"], toll=17), 1
    )
    assert update is not None and update.revision == 1 and update.report_count == 2
    assert update.update_reason == "2 sources · new: AP (en) · toll 12 → 17 · new place: Sarmin"
    assert update.grouping == "same event: places Saraqeb; market; 12→17 killed"


@pytest.mark.parametrize(
    ("first", "second", "why"),
    [
        (
            {"places": ("Idlib", "Saraqib"), "broad": ["Idlib"]},
            {"places": ("Idlib", "Ariha")},
            "another place",
        ),
        ({"targets": ["market"]}, {"targets": ["hospital"]}, "another target"),
        ({"dates": ["2026-11-23"]}, {"dates": ["2026-11-24"]}, "another day"),
    ],
)
def test_a_report_contradicting_the_story_opens_another_even_in_the_same_governorate(
    first: dict, second: dict, why: str
) -> None:
    book = StoryStore({}, WINDOW)
    a = book.apply(cand("afp-1", "AFP", tokens=[1, 2, 3], **first), 0)
    b = book.apply(cand("reuters-1", "Reuters", minutes=20, tokens=[1, 2, 3], **second), 1)
    assert a is not None and b is not None and b.story_key != a.story_key and b.revision == 0
    assert b.grouping and why in b.grouping


def test_a_report_joining_without_news_is_recorded_on_the_story() -> None:
    book = StoryStore({}, WINDOW)
    book.apply(cand("afp", "AFP", tokens=[1, 2]), 0)
    assert book.apply(cand("reuters", "Reuters", minutes=5, tokens=[1, 2]), 1) is not None
    assert book.apply(cand("afp-2", "AFP", minutes=9, tokens=[1, 2]), 2) is None  # nothing new
    update = book.apply(cand("bbc", "BBC", minutes=12, tokens=[1, 2]), 3)
    assert update is not None and update.report_count == 4 and update.revision == 2
    assert stories_in(book)[0]["item_ids"] == ["afp", "reuters", "afp-2", "bbc"]


def test_a_story_never_spans_more_than_its_longest_span() -> None:
    book = StoryStore({}, GroupingPolicy(max_span=timedelta(hours=3)))
    keys = {
        alert.story_key
        for n in range(10)
        if (alert := book.apply(cand(f"r{n}", f"S{n}", minutes=50 * n, tokens=[1, 2]), n)) is not None
    }
    assert len(keys) == 3  # 0-150 min, 200-350 min, 400-450 min


def test_a_late_report_joins_only_when_it_names_the_same_day_and_place() -> None:
    book = StoryStore({}, WINDOW)
    first = book.apply(cand("afp", "AFP", places=("Saraqib",), dates=["2026-11-24"]), 0)
    late = book.apply(cand("slow", "Slow", minutes=20 * 60, places=("Saraqeb",), dates=["2026-11-24"]), 1)
    other = book.apply(cand("next", "Next", minutes=27 * 60, places=("Saraqib",)), 2)
    assert first is not None and late is not None and other is not None
    assert late.story_key == first.story_key and other.story_key != first.story_key


@pytest.mark.parametrize(
    ("other", "why"),
    [
        ({"regions": ("Aleppo",)}, "no shared region"),
        ({"families": ("shelling",)}, "no shared escalation family"),
        ({"minutes": 7 * 60}, "idle for longer than the idle gap"),
        ({"rule": "other-rule"}, "another rule"),
    ],
)
def test_different_events_are_different_stories(other: dict, why: str) -> None:
    book = StoryStore({}, WINDOW)
    first = book.apply(cand("a", "AFP"), 0)
    second = book.apply(cand("b", "Reuters", **other), 1)
    assert first is not None and second is not None, why
    assert second.story_key != first.story_key and second.revision == 0, why


def test_actor_anchors_when_no_region_is_named() -> None:
    book = StoryStore({}, WINDOW)
    first = book.apply(cand("a", "AFP", regions=()), 0)
    second = book.apply(cand("b", "BBC", regions=(), minutes=3), 1)
    assert first is not None and second is not None and second.story_key == first.story_key


def test_replayed_offsets_emit_nothing_and_change_nothing() -> None:
    # The state landed, so the alerts it vouches for were already on the broker.
    book = StoryStore({}, WINDOW)
    emitted = [book.apply(cand("a", "AFP"), 0), book.apply(cand("b", "BBC", minutes=1), 1)]
    assert all(emitted)
    restored = StoryStore(copy.deepcopy(book.table), WINDOW)  # as recovered from the changelog
    replayed = [restored.apply(cand("a", "AFP"), 0), restored.apply(cand("b", "BBC", minutes=1), 1)]
    assert replayed == [None, None]
    assert restored.table == book.table


def test_inputs_replayed_against_state_that_never_landed_give_the_same_alert_ids() -> None:
    book = StoryStore({}, WINDOW)
    emitted = [book.apply(cand("a", "AFP"), 0), book.apply(cand("b", "BBC", minutes=1), 1)]
    again = StoryStore({}, WINDOW)  # crash after the alerts were sent, before the state
    replayed = [again.apply(cand("a", "AFP"), 0), again.apply(cand("b", "BBC", minutes=1), 1)]
    assert [a and a.alert_id for a in replayed] == [a and a.alert_id for a in emitted]


def test_story_ids_do_not_depend_on_wall_clock_or_process() -> None:
    a = StoryStore({}, WINDOW).apply(cand("x", "AFP"), 5)
    b = StoryStore({}, WINDOW).apply(cand("x", "AFP"), 9)
    assert a is not None and b is not None and a.alert_id == b.alert_id


def test_old_stories_are_forgotten() -> None:
    book = StoryStore({}, WINDOW)
    book.apply(cand("a", "AFP"), 0)
    book.apply(cand("b", "AFP", regions=("Aleppo",), minutes=37 * 60), 1)
    assert [s["regions"] for s in stories_in(book)] == [["Aleppo"]]
    assert all(datetime.fromisoformat(s["last_seen"]) > T0 for s in stories_in(book))
