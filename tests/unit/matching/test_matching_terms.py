"""Escalation terms: inflections, ``*`` gaps, compounds, either language."""

from __future__ import annotations

import pytest

from processors.matching import Engine
from processors.matching.terms import inflections


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("aerienne", {"aerienne", "aeriennes", "aerien", "aeriens"}),
        ("frappe", {"frappe", "frappes", "frappee", "frappees"}),
        ("strike", {"strike", "strikes", "striking"}),
        ("violate", {"violated", "violates", "violating"}),
        ("tir", {"tir", "tirs"}),
        ("de", {"de", "du", "des", "d"}),
        ("son", {"son", "sa", "ses", "leur", "leurs"}),
        ("aerial", {"aerial", "aeriaux"}),
    ],
)
def test_inflections(word: str, forms: set[str]) -> None:
    assert forms <= inflections(word)


@pytest.mark.parametrize(
    ("text", "escalation"),
    [
        ("des frappes aériennes russes", "air strike"),
        ("une frappe aérienne", "air strike"),
        ("a Russian airstrike", "air strike"),
        ("air-strikes overnight", "air strike"),
        ("two air strikes", "air strike"),
        ("des raids aériens", "air strike"),
        ("qualifié de graves violations de son espace aérien", "airspace violation"),
        ("une violation de l'espace aérien turc", "airspace violation"),
        ("des violations de leur espace aérien", "airspace violation"),
        ("jets violated Turkish airspace", "airspace violation"),
        ("violated the Turkish national airspace", "airspace violation"),
        ("Turkish airspace violation", "airspace violation"),
        ("les positions ont été pilonnées", "shelling"),
        ("heavy shelling", "shelling"),
        ("gaz sarin", "chemical attack"),
        ("an attack with sarin", "chemical attack"),
        ("a cease-fire violation", "ceasefire violation"),
        ("the ceasefire violations", "ceasefire violation"),
        ("un attentat-suicide", "suicide bombing"),
        ("un attentat suicide", "suicide bombing"),
        # abbreviations are not sentence ends; idioms elsewhere in the text change nothing
        ("jets violated U.S. airspace", "airspace violation"),
        ("Mr. Lavrov said they violated Mr. Erdogan's airspace", "airspace violation"),
        ("Donors shelled out millions. The army shelled the town.", "shelling"),
        ("Peanuts sold well. Artillery shelled the camp.", "shelling"),
        # terms of either language apply to any item
        ("UN says frappes aériennes hit the town", "air strike"),
    ],
)
def test_terms_match_their_forms(demo_engine: Engine, text: str, escalation: str) -> None:
    assert escalation in demo_engine.evaluate(text).escalations


@pytest.mark.parametrize(
    "text",
    [
        "violated the long-standing Turkish national airspace",  # four words in the gap
        "a labour strike at the port",
        "a charm offensive",
        "une offensive diplomatique",
        "European airspace is congested",
        "a violation of privacy",
        "la frappe du buteur",
        # idioms that hold an escalation word
        "collectors shelled out millions",
        "we spent the afternoon shelling fresh peas",
        "les invendus ont été pilonnés par leur éditeur",
        "pilonner l'ail et le gingembre",
        "la trêve des confiseurs a été rompue",
        "the New York Jets struck first",
        # a gap never crosses a sentence end
        "No rule was violated. Turkish airspace is open.",
        "Le contrat a été violé. L'espace aérien reste ouvert.",
        "The talks broke down!\nThe cease-fire held.",
    ],
)
def test_lookalikes_are_not_escalations(demo_engine: Engine, text: str) -> None:
    d = demo_engine.evaluate(text)
    assert d.escalations == (), d.matches


def test_term_spans_cover_the_whole_phrase(demo_engine: Engine) -> None:
    text = "Des violations de son espace aérien."
    (m,) = demo_engine.evaluate(text).matches
    assert (m.kind, m.entity, m.alias) == ("escalation", "airspace violation", "violation de * espace aérien")
    assert text[m.start : m.end] == m.matched == "violations de son espace aérien"
    assert m.score == 100.0
