"""Escalation terms: inflections, ``*`` gaps, compounds, either language."""

from __future__ import annotations

from collections.abc import Callable

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
        # verb forms behind escalation nouns, irregular and participial (accents folded)
        ("strike", {"struck", "striking"}),
        ("struck", {"strike", "strikes", "striking"}),
        ("bombing", {"bombed"}),
        ("shelling", {"shelled"}),
        ("bombardment", {"bombarded", "bombarding"}),
        ("bombardement", {"bombarde", "bombardee", "bombardes", "bombardees", "bombarder", "bombardent"}),
        ("pilonnage", {"pilonne", "pilonnee", "pilonnees", "pilonner", "pilonnent", "pilonnaient"}),
        ("frappe", {"frappe", "frappee", "frapper", "frappent", "frappait"}),
        ("attaque", {"attaquee", "attaquer", "attaquent"}),
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


@pytest.mark.parametrize(
    "word,never",
    [
        ("bombing", {"bomb", "bombs"}),  # a car bomb is not a bombing
        ("shelling", {"shell", "shells"}),  # nor Shell, the company
        ("attaque", {"attaquant", "attaquants"}),  # a striker
        ("frappe", {"frappant"}),  # striking, the adjective
        ("strike", {"stroke"}),
    ],
)
def test_verb_forms_leave_out_other_words(word: str, never: set[str]) -> None:
    assert not never & inflections(word)


# One noun per escalation, as an analyst would list it: the verb forms are not written.
VERBS = """\
version: 1
escalations:
  - name: drone attack
    terms: {en: [drone strike]}
  - name: bombing
    terms: {en: [bombing], fr: [bombardement]}
  - name: shelling
    terms: {en: [shelling], fr: [pilonnage]}
  - name: coalition strike
    terms: {en: [coalition strike]}
  - name: strike
    terms: {fr: [frappe], en: [missile strike]}
  - name: attack
    terms: {fr: [attaque au drone]}
"""


@pytest.mark.parametrize(
    ("text", "escalation"),
    [
        ("a drone struck a car near Idlib", "drone attack"),
        ("Drones struck a base overnight", "drone attack"),
        ("drones striking the port", "drone attack"),
        ("jets bombed the old city", "bombing"),
        ("les avions ont bombardé Hama", "bombing"),
        ("ont bombardé Hama", "bombing"),
        ("la ville a été bombardée", "bombing"),
        ("ils bombardent la ville", "bombing"),
        ("the army shelled the town", "shelling"),
        ("le quartier a été pilonné", "shelling"),
        ("les positions ont été pilonnées toute la nuit", "shelling"),
        ("l'artillerie pilonnait les faubourgs", "shelling"),
        ("les forces du régime pilonnent Idleb", "shelling"),
        ("the coalition struck IS positions", "coalition strike"),
        ("a missile struck a building", "strike"),
        ("le convoi a été frappé par un drone", "strike"),
        ("des drones ont frappé le convoi", "strike"),
        ("attaqué au drone", "attack"),
    ],
)
def test_verb_forms_say_the_listed_noun(
    engine_of: Callable[[str], Engine], text: str, escalation: str
) -> None:
    assert escalation in engine_of(VERBS).evaluate(text).escalations


@pytest.mark.parametrize(
    "text",
    [
        "the governing coalition struck a deal on the budget",
        "the coalition struck an agreement with the unions",
        "the ruling coalition has struck a compromise",
        "the war film about fighter jets bombed at the box office",
        "his last album bombed at the box office",
        "strike action by teachers",
        "a striking photograph",
        "Shell shares rose",
        "a car bomb",
        "il a frappé à la porte du ministère",
        "quelqu'un frappe à la porte",
        "le ministre a été attaqué en justice",
        "un contraste frappant",
        "l'attaquant du PSG",
        "the coalition struck gold",
    ],
)
def test_verb_forms_in_everyday_phrases_are_not_escalations(
    engine_of: Callable[[str], Engine], text: str
) -> None:
    d = engine_of(VERBS).evaluate(text)
    assert d.escalations == (), d.matches


def test_term_spans_cover_the_whole_phrase(demo_engine: Engine) -> None:
    text = "Des violations de son espace aérien."
    (m,) = demo_engine.evaluate(text).matches
    assert (m.kind, m.entity, m.alias) == ("escalation", "airspace violation", "violation de * espace aérien")
    assert text[m.start : m.end] == m.matched == "violations de son espace aérien"
    assert m.score == 100.0
