"""Story grouping: one alert per story across outlets and languages; replays are idempotent."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from processors.stream.candidates import Candidate
from processors.stream.stories import StoryStore, alert_id_for

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
WINDOW = timedelta(hours=6)


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
) -> Candidate:
    at = T0 + timedelta(minutes=minutes)
    return Candidate.model_validate(
        {
            "item": {
                "id": item_id,
                "title": title,
                "url": f"https://example.org/{item_id}",
                "source": source,
                "lang": "fr",
                "published_at": at,
                "fetched_at": at + timedelta(seconds=30),
            },
            "rule": rule,
            "severity": severity,
            "families": list(families),
            "actors": list(actors),
            "regions": list(regions),
            "watchlist_version": "sha256:abc",
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


def test_same_outlet_again_grows_the_story_silently() -> None:
    book = StoryStore({}, WINDOW)
    book.apply(cand("a1", "AFP"), 0)
    assert book.apply(cand("a2", "AFP", minutes=10), 1) is None
    assert stories_in(book)[0]["item_ids"] == ["a1", "a2"]


def test_severity_rise_produces_an_update_that_says_so() -> None:
    book = StoryStore({}, WINDOW)
    book.apply(cand("a1", "AFP", severity="medium"), 0)
    update = book.apply(cand("a2", "AFP", minutes=5, severity="critical"), 1)
    assert update is not None and update.severity == "critical" and update.revision == 1
    assert "severity raised from medium to critical" in (update.update_reason or "")


@pytest.mark.parametrize(
    ("other", "why"),
    [
        ({"regions": ("Aleppo",)}, "no shared region"),
        ({"families": ("shelling",)}, "no shared escalation family"),
        ({"minutes": 7 * 60}, "outside the story window"),
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
    book.apply(cand("b", "AFP", regions=("Aleppo",), minutes=8 * 60), 1)
    assert [s["regions"] for s in stories_in(book)] == [["Aleppo"]]
    assert all(datetime.fromisoformat(s["last_seen"]) > T0 for s in stories_in(book))
