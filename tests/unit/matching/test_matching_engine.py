"""Entity matching: the acceptance case, unlisted variants, near misses, spans and scores."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching_eval import load_rows

from processors.matching import Decision, Engine

# Canonical names only (plus the adjective-free minimum): the variants below are NOT listed.
VARIANTS = """\
version: 1
actors:
  - {name: Igor Konashenkov}
  - {name: al-Nusra Front, aliases: [Nusra]}
  - {name: Islamic State, aliases: [Daesh]}
  - {name: Bashar al-Assad}
  - {name: al-Qaeda}
  - {name: Hezbollah}
  - {name: Vladimir Putin, aliases: [Putin]}
  - {name: Russia, aliases: [Russie]}
  - {name: Iran}
regions:
  - {name: Idlib}
  - {name: Deir ez-Zor}
  - {name: Hama}
  - {name: Homs}
  - {name: Aleppo}
  - {name: Latakia}
  - {name: Manbij}
  - {name: Golan}
  - {name: Tehran}
  - {name: No}
escalations:
  - name: air strike
    terms: {en: [air strike]}
"""


@pytest.fixture(scope="module")
def variants(path: bool) -> Engine:
    from wirewatch.watchlist import parse_watchlist

    return Engine.build(parse_watchlist(VARIANTS), native=path)


def names(decision: Decision) -> set[str]:
    return {*decision.actors, *decision.regions}


def test_the_headline_story_alerts_with_the_expected_names(demo_engine: Engine, headline: str) -> None:
    d = demo_engine.evaluate(headline, "fr")
    assert d.actors == ("Bashar al-Assad", "Islamic State", "Russia", "al-Nusra Front", "al-Qaeda")
    assert d.regions == ("Aleppo", "Deir ez-Zor", "Hama", "Idlib")
    assert {"air strike", "airspace violation"} <= set(d.escalations)
    assert d.alert and d.severity == "high"
    assert d.escalation_families == d.escalations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("à Idleb", {"Idlib"}),
        ("le Front al-Nosra", {"al-Nusra Front"}),
        ("les positions de Daech", {"Islamic State"}),
        ("le régime de Bachar Al-Assad", {"Bashar al-Assad"}),
        ("Bachar el-Assad", {"Bashar al-Assad"}),
        ("le général Igor Konachenkov", {"Igor Konashenkov"}),
        ("Deir Ezzor, Deir el-Zor, Deir ez Zor", {"Deir ez-Zor"}),
        ("la branche d'Al-Qaïda", {"al-Qaeda"}),
        ("Al Qaida", {"al-Qaeda"}),
        ("the Hizbullah militia", {"Hezbollah"}),
        ("Vladimir Poutine", {"Vladimir Putin"}),
        ("Lattaquié", {"Latakia"}),
        ("Manbidj", {"Manbij"}),
        ("HAMA", {"Hama"}),
        ("Hama's governor", {"Hama"}),
        ("Téhéran", {"Tehran"}),
        ("the town of No", {"No"}),
    ],
)
def test_unlisted_spellings_are_found(variants: Engine, text: str, expected: set[str]) -> None:
    assert names(variants.evaluate(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hamadi Mohammad",  # Hama inside other words
        "the Homestead Act",  # Homs
        "nice homes, a hum",  # short aliases match exactly only
        "iron and Irani",  # Iran is short
        "Alep",  # a translation, not a spelling: not listed here
        "the Golani Brigade",  # another word, not a spelling of Golan
        "Rossi and Roussie",  # not Russie
        "Alepia, a start-up; Alepa, a brand",  # another ending is another word, not Aleppo
        "the Tehrani family",  # nor Tehran
        "no news",  # an everyday word as a place name needs its capital
        "Hamas",
    ],
)
def test_near_misses_wake_nobody(variants: Engine, text: str) -> None:
    assert names(variants.evaluate(text)) == set()


def test_a_translation_matches_once_listed(engine_of: Callable[[str], Engine]) -> None:
    text = VARIANTS.replace("- {name: Aleppo}", "- {name: Aleppo, aliases: [Alep]}")
    assert engine_of(text).evaluate("la province d'Alep").regions == ("Aleppo",)


@pytest.mark.parametrize(
    ("text", "alias", "matched", "score"),
    [
        ("in Idlib.", "Idlib", "Idlib", 100.0),
        ("à IDLIB.", "Idlib", "IDLIB", 100.0),
        ("les positions de Daech", "Daesh", "Daech", 95.0),
        ("la branche d'Al-Qaïda en Syrie", "al-Qaeda", "Al-Qaïda", None),
        ("à Idleb", "Idlib", "Idleb", None),
    ],
)
def test_spans_and_scores(variants: Engine, text: str, alias: str, matched: str, score: float | None) -> None:
    (m,) = variants.evaluate(text).matches
    assert (m.alias, m.matched, text[m.start : m.end]) == (alias, matched, matched)
    if score is not None:
        assert m.score == score
    else:
        assert 88 <= m.score < 95


def test_a_threshold_or_exact_entry_refuses_variants(engine_of: Callable[[str], Engine]) -> None:
    strict = VARIANTS.replace("- {name: Idlib}", "- {name: Idlib, threshold: 99}").replace(
        "- {name: Islamic State, aliases: [Daesh]}", "- {name: Islamic State, aliases: [Daesh], exact: true}"
    )
    engine = engine_of(strict)
    assert names(engine.evaluate("Idleb, Daech")) == set()
    assert names(engine.evaluate("Idlib, DAESH")) == {"Idlib", "Islamic State"}


def test_the_longest_match_wins(demo_engine: Engine) -> None:
    d = demo_engine.evaluate("L'Armée syrienne libre et Maher al-Assad")
    assert d.actors == ("Free Syrian Army", "Maher al-Assad")
    assert [m.matched for m in d.matches] == ["Armée syrienne libre", "Maher al-Assad"]


def test_nothing_to_see(demo_engine: Engine) -> None:
    for text in ("", "   ", "…!?", "Le temps sera beau demain."):
        d = demo_engine.evaluate(text)
        assert d == Decision()
        assert not d.alert and d.severity is None and d.rules == ()


def test_engine_identity(demo_engine: Engine, demo_watchlist) -> None:  # type: ignore[no-untyped-def]
    assert demo_engine.version == demo_watchlist.content_hash
    assert len(demo_engine.entity_names()) == len(demo_watchlist.actors) + len(demo_watchlist.regions)
    russia = next(e for e in demo_engine.entities if e.name == "Russia")
    assert russia.kind == "actor" and "foreign-power" in russia.tags


def test_evidence_lists_each_distinct_match_once(demo_engine: Engine, headline: str) -> None:
    evidence = demo_engine.evaluate(headline).evidence("item-1")
    keys = [(e.entity, e.alias, e.matched.casefold()) for e in evidence]
    assert len(keys) == len(set(keys))
    assert {e.item_id for e in evidence} == {"item-1"}
    assert ("Idlib", "Idleb", "idleb") in keys


def test_evaluate_is_safe_from_many_threads(eval_engine: Engine) -> None:
    texts = [row["text"] for row in load_rows()]
    alone = [eval_engine.evaluate(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(eval_engine.evaluate, texts * 3))
    assert together == alone * 3


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"HamIdlebNosraDchéï'’- ,.", "Al-", "Deir ", "Qaïda", "Hama"])).map("".join))
def test_any_text_gives_valid_spans(text: str) -> None:
    from wirewatch.watchlist import parse_watchlist

    engine = _ENGINE.get("e") or _ENGINE.setdefault("e", Engine.build(parse_watchlist(VARIANTS)))
    for m in engine.evaluate(text).matches:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.matched


_ENGINE: dict[str, Engine] = {}


def test_remembered_phrases_never_change_a_decision(eval_watchlist_engines: tuple[Engine, Engine]) -> None:
    """An engine that has seen other texts (warm memories) decides exactly as a fresh one."""
    fresh, warm = eval_watchlist_engines
    texts = [r["text"] for r in load_rows()]
    warm.evaluate(" ".join(reversed(texts)))  # the same words in other neighbourhoods
    for text in texts:
        warm.evaluate(text.upper())
    for text in texts:
        assert warm.evaluate(text) == fresh.evaluate(text), text


@pytest.fixture
def eval_watchlist_engines(path: bool) -> tuple[Engine, Engine]:
    from matching_eval import eval_watchlist

    from processors.matching import normalise

    normalise._KEYS.clear()
    watchlist = eval_watchlist()
    return Engine.build(watchlist, native=path), Engine.build(watchlist, native=path)


GAZETTEER = """\
version: 1
actors:
  - {name: Syrian Democratic Forces}
regions:
  - {name: Saharsa}
  - {name: Ciudad Acuña}
  - {name: Franca}
  - {name: Arica}
  - {name: Idlib}
  - {name: Västerås, aliases: [Arosia]}
  - {name: Abu Kamal, aliases: [Boukamal]}
escalations:
  - name: air strike
    terms: {en: [air strike]}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shares fell after the air strike.", set()),  # not a fuzzy Saharsa
        ("Aucune frappe sur la ville.", set()),  # not Ciudad Acuña
        ("France condemned the strike.", set()),  # not a transliteration of Franca
        ("Africa", set()),  # not Arica
        ("Franca and Saharsa", {"Franca", "Saharsa"}),  # listed spellings still match
        ("Syrian Democratic Force units", {"Syrian Democratic Forces"}),  # everyday words inside a name
        ("near Idleb", {"Idlib"}),  # rare spellings are what the fuzzy pass is for
        ("Le trafic aérien à Roissy.", set()),  # a common word is not a name particle: not Arosia
        ("Frappes sur Bou Kamal.", {"Abu Kamal"}),  # a name particle is
    ],
)
def test_everyday_words_are_never_variants_of_a_place(
    engine_of: Callable[[str], Engine], text: str, expected: set[str]
) -> None:
    assert names(engine_of(GAZETTEER).evaluate(text)) == expected


def test_the_everyday_list_is_normalised_as_text_words_are() -> None:
    from processors.matching.everyday import EVERYDAY_WORDS
    from processors.matching.normalise import words

    assert len(EVERYDAY_WORDS) > 10_000
    assert [w for w in EVERYDAY_WORDS if words(w) != [w]] == []
