"""Entries that share a spelling: the watchlist takes them with a warning, the text's context
picks one, else every one is reported ambiguous and rules naming only one do not fire."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from processors.matching import Engine
from processors.matching.explain import explain
from wirewatch.watchlist import parse_watchlist
from wirewatch.watchlist_warnings import check_watchlist

LB, LY = "Tripoli (Lebanon)", "Tripoli (Libya)"
SY, EG = "Ali Mamlouk", "Ali Mamlouk (Egypt)"

HOMONYMS = """\
version: 1
actors:
  - {name: Ali Mamlouk, country: SY, tags: [syria]}
  - {name: Ali Mamlouk (Egypt), aliases: [Ali Mamlouk], country: EG}
  - {name: Bashar al-Assad, aliases: [Bachar al-Assad], tags: [syria]}
regions:
  - {name: Tripoli (Lebanon), aliases: [Tripoli, Tripoli du Liban], country: LB, tags: [levant]}
  - {name: Tripoli (Libya), aliases: [Tripoli], country: LY, tags: [maghreb]}
  - {name: Lebanon, aliases: [Liban, Lebanese, libanais], country: LB}
  - {name: Benghazi, country: LY}
  - {name: Cairo, aliases: [Le Caire], country: EG}
  - {name: Damascus, aliases: [Damas], country: SY}
escalations:
  - name: shelling
    severity: medium
    terms: {en: [shelling], fr: [pilonnage]}
rules:
  - {name: libya, when: {escalations: any, regions: [Tripoli (Libya)]}}
  - {name: lebanon, when: {escalations: any, regions: [Lebanon, Tripoli (Lebanon)]}}
  - {name: tripolis, when: {escalations: any, regions: [Tripoli (Libya), Tripoli (Lebanon)]}}
  - {name: anywhere, when: {escalations: any, regions: any}}
"""


@pytest.fixture
def homonyms(engine_of: Callable[[str], Engine]) -> Engine:
    return engine_of(HOMONYMS)


@pytest.mark.parametrize(
    ("text", "names", "ambiguous"),
    [
        # the country, or a place of it, picks the entry
        ("Shelling hit Tripoli in northern Lebanon.", [LB, "Lebanon"], []),
        ("Un pilonnage a frappé Tripoli, dans le nord du Liban.", [LB, "Lebanon"], []),
        ("Shelling hit Tripoli, a day after Benghazi.", [LY, "Benghazi"], []),
        ("Un pilonnage a visé Tripoli au lendemain de combats à Benghazi.", [LY, "Benghazi"], []),
        # the entry's own other spelling
        ("Tripoli du Liban: shelling hit Tripoli again.", [LB], []),
        # people: a country, a shared tag
        ("Ali Mamlouk met Bashar al-Assad.", [SY, "Bashar al-Assad"], []),
        ("Ali Mamlouk a été vu à Damas.", [SY, "Damascus"], []),
        ("Ali Mamlouk was questioned in Cairo.", [EG, "Cairo"], []),
        # nothing tells them apart: both, marked ambiguous
        ("Shelling hit Tripoli.", [LB, LY], [(LB, LY)]),
        ("Un pilonnage a frappé Tripoli.", [LB, LY], [(LB, LY)]),
        ("Ali Mamlouk gave an interview.", [SY, EG], [(SY, EG)]),
        # as much context for each: still both
        ("Shelling hit Tripoli, between Lebanon and Benghazi.", [LB, LY, "Lebanon", "Benghazi"], [(LB, LY)]),
        # one spelling, one entry: no question
        ("Shelling hit Benghazi.", ["Benghazi"], []),
    ],
)
def test_context_picks_the_entry_else_all_are_ambiguous(
    homonyms: Engine, text: str, names: list[str], ambiguous: list[tuple[str, ...]]
) -> None:
    decision = homonyms.evaluate(text)
    assert sorted([*decision.actors, *decision.regions]) == sorted(names)
    assert list(decision.ambiguous) == ambiguous


@pytest.mark.parametrize(
    ("text", "fired"),
    [
        ("Shelling hit Tripoli in northern Lebanon.", ["lebanon", "tripolis", "anywhere"]),
        ("Shelling hit Tripoli, a day after Benghazi.", ["libya", "tripolis", "anywhere"]),
        # ambiguous: a rule naming one of them does not fire; one taking both, or any, does
        ("Shelling hit Tripoli.", ["tripolis", "anywhere"]),
    ],
)
def test_a_rule_naming_one_fires_only_when_the_context_picks_it(
    homonyms: Engine, text: str, fired: list[str]
) -> None:
    assert [r.name for r in homonyms.evaluate(text).rules] == fired


def test_try_says_which_and_why(homonyms: Engine) -> None:
    picked = explain(homonyms, homonyms.evaluate("Shelling hit Tripoli in northern Lebanon."))
    assert "('Tripoli' is Tripoli (Lebanon), not Tripoli (Libya): the text names Lebanon)" in picked
    unsure = explain(homonyms, homonyms.evaluate("Shelling hit Tripoli."))
    assert (
        "('Tripoli' is ambiguous: Tripoli (Lebanon) or Tripoli (Libya); nothing in the text tells them apart)"
        in unsure
    )


def test_both_paths_agree(engine_of: Callable[[str], Engine]) -> None:
    native = Engine.build(parse_watchlist(HOMONYMS), native=True)
    python = Engine.build(parse_watchlist(HOMONYMS), native=False)
    for text in (
        "Shelling hit Tripoli.",
        "Shelling hit Tripoli in Lebanon.",
        "Ali Mamlouk met Bachar al-Assad.",
    ):
        assert native.evaluate(text) == python.evaluate(text)


def test_a_shared_spelling_is_valid_and_check_warns_at_its_line(tmp_path: Path) -> None:
    watchlist = tmp_path / "w.yaml"
    watchlist.write_text(HOMONYMS, encoding="utf-8")
    checked = check_watchlist(watchlist, tmp_path / "channels.yaml")
    assert [str(w) for w in checked.warnings] == [
        f"{watchlist}:4: alias 'Ali Mamlouk' also belongs to 'Ali Mamlouk' (line 3): matching picks "
        "the entry the text gives context for, else reports both as ambiguous",
        f"{watchlist}:8: alias 'Tripoli' also belongs to 'Tripoli (Lebanon)' (line 7): matching picks "
        "the entry the text gives context for, else reports both as ambiguous",
    ]
