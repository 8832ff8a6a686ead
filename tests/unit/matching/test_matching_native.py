"""The native per-text pass (``native/``) against the Python one: the same decision, always.

The behaviour tests run on both paths through the ``path`` fixture; here the
two are compared directly, on the evaluation set, on generated articles at
gazetteer scale, and on text hypothesis makes up from the pieces that steer
normalisation (elisions, articles, dashes, capitals, accents, sentence ends,
characters outside the native fold table).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching_eval import eval_watchlist, load_rows
from test_matching_engine import VARIANTS

from processors.matching import Engine, native
from processors.matching.fuzzy import anchors_of
from wirewatch.errors import NativeUnavailable
from wirewatch.settings import get_settings
from wirewatch.watchlist import Watchlist, parse_watchlist


def engines(watchlist: Watchlist) -> tuple[Engine, Engine]:
    return Engine.build(watchlist, native=True), Engine.build(watchlist, native=False)


@pytest.fixture(scope="module")
def eval_pair() -> tuple[Engine, Engine]:
    return engines(eval_watchlist())


@pytest.fixture(scope="module")
def variants_pair() -> tuple[Engine, Engine]:
    return engines(parse_watchlist(VARIANTS))


def test_the_native_pass_is_built_and_used() -> None:
    assert os.environ.get(native.MODE_ENV) == "native", "tests/conftest.py requires the native pass"
    assert Engine.build(eval_watchlist()).native, "processors.matching._native did not build"


@pytest.fixture
def mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set ``WIREWATCH_MATCHING`` for the settings this process reads next."""

    def set_mode(value: str) -> None:
        monkeypatch.setenv(native.MODE_ENV, value)
        get_settings.cache_clear()

    yield set_mode
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_mode_follows_the_environment(
    mode: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    mode("python")
    assert not Engine.build(eval_watchlist()).native
    assert Engine.build(eval_watchlist(), native=True).native  # an explicit choice wins
    mode(" Native ")
    monkeypatch.setattr(native, "_native", None)
    with pytest.raises(NativeUnavailable, match=r"cargo ≥ 1\.78: make setup, or set WIREWATCH_MATCHING=auto"):
        Engine.build(eval_watchlist())
    assert NativeUnavailable.exit_code == 2  # a setting the user chose: one line, exit 2
    mode("auto")
    assert not Engine.build(eval_watchlist()).native  # not built: the Python path serves


def test_every_evaluation_row_gets_the_same_decision(eval_pair: tuple[Engine, Engine]) -> None:
    fast, slow = eval_pair
    rows = load_rows()
    assert len(rows) > 400
    for row in rows:
        assert fast.evaluate(row["text"]) == slow.evaluate(row["text"]), row["id"]


def test_articles_at_gazetteer_scale_get_the_same_decision() -> None:
    from bench.matching.corpus import articles, big_watchlist

    watchlist = big_watchlist(eval_watchlist(), aliases=5_000, people=500)
    fast, slow = engines(watchlist)
    places = [r.name for r in watchlist.regions]
    texts = [
        *articles("fr", 15, places, seed=5),
        *articles("en", 15, places, seed=5),
        *articles("fr", 15, places, seed=6, varied=True),
        *articles("en", 15, places, seed=6, varied=True),
    ]
    found = 0
    for text in texts:
        decision = fast.evaluate(text)
        assert decision == slow.evaluate(text), text[:80]
        found += len(decision.matches)
    assert found > 20 * len(texts)  # the comparison is about texts that match a lot


PIECES = [
    *"HamIdlebNosraDchéïÉ'’- ,.!?\n«»",
    "Al-",
    "al ",
    "el-",
    "ash-",
    "l'",
    "L’",
    "d'",
    "qu'",
    "jusqu'",
    "Deir ",
    "ez-",
    "Zor",
    "Qaïda",
    "Hama",
    "Idleb ",
    "IDLEB ",
    "Daech",
    "Daesh ",
    "Konachenkov",
    "Poutine ",
    "Russie",
    "Hezbollah ",
    "frappes aériennes ",
    "violation de son espace aérien ",
    "air strikes ",
    "shelling out ",
    "Straße ",
    "Œuvre ",
    "Qāʿida ",
    "Дамаск ",
    "Σ",
    "½",
    "\u00ad",
    "—",
    "Mr. ",
    # transliteration marks, clitics, French spellings and verb forms
    "Dar'a ",
    "Ma’arrat ",
    "Nu'man",
    "'s ",
    "n't ",
    "Déraa ",
    "Jablé ",
    "drone struck ",
    "ont bombardé ",
    "pilonnent ",
    "struck a deal ",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_made_up_text_gets_the_same_decision(text: str) -> None:
    fast, slow = _pairs("variants", VARIANTS)
    assert fast.evaluate(text) == slow.evaluate(text)
    fast, slow = _pairs("eval", None)
    assert fast.evaluate(text) == slow.evaluate(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_unicode_gets_the_same_decision(text: str) -> None:
    fast, slow = _pairs("eval", None)
    assert fast.evaluate(text) == slow.evaluate(text)


_PAIRS: dict[str, tuple[Engine, Engine]] = {}


def _pairs(name: str, yaml: str | None) -> tuple[Engine, Engine]:
    if name not in _PAIRS:
        _PAIRS[name] = engines(parse_watchlist(yaml) if yaml else eval_watchlist())
    return _PAIRS[name]


def test_a_lone_surrogate_takes_the_python_path(eval_pair: tuple[Engine, Engine]) -> None:
    fast, slow = engines(eval_watchlist())
    assert fast._indexes is None  # the native engine builds the Python indexes only when needed
    text = "Frappes aériennes sur Idleb \ud800 revendiquées par Daech."
    assert fast.evaluate(text) == slow.evaluate(text)
    assert fast.evaluate(text).alert and fast._indexes is not None


def test_the_word_memory_is_bounded_and_forgets_nothing_that_matters() -> None:
    watchlist = eval_watchlist()
    engine = Engine.build(watchlist, native=True)
    engine._core = native.build_core(
        engine.aliases,
        anchors_of(list(engine.aliases)),
        engine._terms.terms,
        engine._idioms.phrases,
        memory_words=50,
    )
    reference = Engine.build(watchlist, native=False)
    rows = load_rows()[:60]
    for row in rows:
        assert engine.evaluate(row["text"]) == reference.evaluate(row["text"]), row["id"]
        assert engine._core.remembered() <= 50 + len(row["text"].split())


def test_a_quickly_made_match_is_the_same_frozen_match() -> None:
    import dataclasses

    from processors.matching.decision import Match

    args = ("Idlib", "region", "Idleb", "Idleb", 100.0, 3, 8)
    quick, plain = Match.of(*args), Match(*args)  # type: ignore[arg-type]
    assert quick == plain and hash(quick) == hash(plain) and repr(quick) == repr(plain)
    assert dataclasses.astuple(quick) == args
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.score = 1.0  # type: ignore[misc]


def test_a_hostile_giant_word_costs_little(eval_pair: tuple[Engine, Engine]) -> None:
    """A 60,000-letter token (a base64 blob in a feed) would cost ~10⁹ steps if its one-letter
    deletions were looked up as a fuzzy anchor; words far longer than any anchor are not."""
    text = "Frappes sur Idleb. " + "Qa" * 30_000 + " Daech revendique."
    for engine in eval_pair:
        decision = engine.evaluate(text)
        assert {"Idlib"} <= set(decision.regions) and "Islamic State" in decision.actors


def test_a_native_build_that_disagrees_with_python_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from processors.matching import fuzzy

    monkeypatch.setattr(fuzzy, "FUZZY_CAP", 93.0)
    with pytest.raises(ValueError, match="FUZZY_CAP"):
        Engine.build(eval_watchlist(), native=True)
