"""What a report says about its event: places, targets, toll, days, follow-ups (table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pytest

from processors.matching import Engine
from processors.stream.signature import Signature, place_key, same_place, signature_of
from tests.conftest import REPO
from wirewatch.watchlist import load_watchlist

#: A Wednesday.
PUBLISHED = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@cache
def engine() -> Engine:
    return Engine.build(load_watchlist(REPO / "config" / "watchlist.yaml"))


def sign(text: str) -> Signature:
    return signature_of(text, engine().evaluate(text), PUBLISHED)


@pytest.mark.parametrize(
    ("text", "places", "broad"),
    [
        ("Air strikes hit a market in Saraqeb, Idlib province", ["Idlib", "Saraqib"], ["Idlib"]),
        (
            "Des bombardements ont visé Kafranbel, près de Maaret al-Nouman",
            ["Maarat al-Numan", "Kafranbel"],
            [],
        ),
        ("Regime forces shelled Tafas in western Daraa countryside", ["Daraa", "Tafas"], ["Daraa"]),
        ("A drone attack hit the town of al-Busayrah in Deir ez-Zor", ["Deir ez-Zor", "al-Busayrah"], []),
        ("Strikes pounded Syria's Hama and Idlib provinces", ["Hama", "Idlib"], ["Idlib"]),
        # another event, told as background, and where a missile came from are not the event's place
        (
            "A drone attack near al-Busayrah, hours after a separate drone strike near Mayadin",
            ["al-Busayrah"],
            [],
        ),
        (
            "Missiles fired from the direction of north-west Lebanon hit a site in Hama countryside",
            ["Hama"],
            ["Hama"],
        ),
        # capitalised words that are not places: weekdays, everyday words, actors
        ("Air strikes on Monday in Idlib by Bashar al-Assad's forces", ["Idlib"], []),
    ],
)
def test_places_are_the_event_s_own_finest_places(text: str, places: list[str], broad: list[str]) -> None:
    got = sign(text)
    assert sorted(got.places) == sorted(places) and got.broad == broad


@pytest.mark.parametrize(
    ("text", "toll"),
    [
        ("Three civilians were killed and nine others injured in shelling on Idlib", 3),
        ("Air strikes on Idlib killed at least 12 people", 12),
        ("Frappes sur Idleb : au moins 17 morts", 17),
        ("Des frappes sur Alep, tuant au moins neuf personnes", 9),
        ("The death toll from the air strike on Idlib rose to 21", 21),
        ("Shelling hit Idlib 12 km from the front, wounding 4", None),
        ("Air strikes on Idlib in 2026 left no casualties", None),
        ("Shelling on Aleppo killed two, a day after shelling killed five in the same district", 2),
    ],
)
def test_the_toll_is_the_highest_number_of_dead_of_the_event(text: str, toll: int | None) -> None:
    assert sign(text).toll == toll


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Air strikes hit Idlib on Monday", ["2026-03-02"]),
        ("Frappes aériennes sur Idleb lundi", ["2026-03-02"]),
        ("On 3 March 2026, regime forces shelled Tafas in Daraa", ["2026-03-03"]),
        ("Le 12 février, des frappes ont visé Idleb", ["2026-02-12"]),
        ("Air strikes hit Idlib yesterday", ["2026-03-03"]),
        ("Air strikes hit Idlib", []),
        ("Air strikes hit Idlib in May", []),  # a month without a day names no day
    ],
)
def test_days_are_resolved_against_the_publication_day(text: str, dates: list[str]) -> None:
    assert sign(text).dates == dates


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        ("Air strikes hit a market in Idlib", ["market"]),
        ("Un hôpital et deux écoles touchés par des frappes à Idleb", ["hospital", "school"]),
        ("Air strikes hit Idlib", []),
    ],
)
def test_targets_are_canonical_in_both_languages(text: str, targets: list[str]) -> None:
    assert sign(text).targets == targets


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("Renewed shelling on Salaheddine in Aleppo", True),
        ("Alep : le quartier de Salaheddine de nouveau pilonné", True),
        ("Shelling hits school in Aleppo for second day", True),
        ("Shelling hits a school in Aleppo", False),
    ],
)
def test_a_report_of_a_repeat_says_so(text: str, follow_up: bool) -> None:
    assert sign(text).follow_up is follow_up


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Kafr Nabl", "Kafranbel", True),
        ("Maarat al-Numan", "Maaret al-Nouman", True),
        ("Saraqib", "Saraqeb", True),
        ("Daraa", "Deraa", True),
        ("Saraqib", "Ariha", False),
        ("Mayadin", "Busayrah", False),
        ("Hama", "Homs", False),
    ],
)
def test_place_spellings_meet_by_transliteration_key(a: str, b: str, same: bool) -> None:
    assert same_place(place_key(a), place_key(b)) is same


def test_the_fingerprint_is_the_same_for_the_same_words_and_differs_for_others() -> None:
    one = sign("Russian air strikes hit a market in Saraqeb")
    assert one.tokens == sign("Russian air strikes hit a market in Saraqeb").tokens
    assert set(one.tokens) != set(sign("Shelling on Aleppo's eastern districts").tokens)
