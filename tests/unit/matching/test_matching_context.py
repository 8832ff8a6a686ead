"""Context: capitals that speak for their government (``stands_for``), where a rule's escalation
and names must meet (``within``), and the sentence ends both rely on."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from processors.matching import Engine
from processors.matching.explain import explain
from processors.matching.scope import FULL_STOP, SENTENCE_END
from wirewatch.errors import ConfigError
from wirewatch.watchlist import DEFAULT_WITHIN, parse_watchlist

SYRIA = "Syrian government"
TURKEY = "Turkish government"

CAPITALS = """\
version: 1
actors:
  - {name: Syrian government, aliases: [gouvernement syrien]}
  - {name: Turkish government, aliases: [gouvernement turc]}
  - {name: Israel, aliases: [Israël]}
regions:
  - {name: Damascus, aliases: [Damas], country: SY, stands_for: Syrian government}
  - {name: Ankara, country: TR, stands_for: Turkish government}
  - {name: Idlib, aliases: [Idleb], country: SY}
escalations:
  - name: chemical attack
    severity: critical
    terms: {en: [chemical attack], fr: [attaque chimique]}
"""


@pytest.fixture
def capitals(engine_of: Callable[[str], Engine]) -> Engine:
    return engine_of(CAPITALS)


@pytest.mark.parametrize(
    ("text", "actors", "regions"),
    [
        # the capital speaks: subject of a speech or decision verb
        ("Damascus denied any chemical attack in Idlib.", [SYRIA], ["Idlib"]),
        ("Damascus on Tuesday flatly denied the report.", [SYRIA], []),
        ("Damascus has repeatedly said the rebels staged it.", [SYRIA], []),
        ("Ankara summoned the ambassador.", [TURKEY], []),
        ("Ankara warned of a response.", [TURKEY], []),
        ("Damascus was accused of a chemical attack.", [SYRIA], []),
        ("The attack was staged, Damascus said.", [SYRIA], []),
        ("Damas a démenti toute attaque chimique.", [SYRIA], []),
        ("Damas dément toute attaque chimique à Idleb.", [SYRIA], ["Idlib"]),
        ("Damas, de son côté, a condamné l'attaque chimique.", [SYRIA], []),
        ("Ankara a convoqué l'ambassadeur.", [TURKEY], []),
        ("Ankara a averti Damas.", [SYRIA, TURKEY], []),
        # ...or the object of one, or the speaker after a French quote
        ("Washington accused Damascus of a chemical attack.", [SYRIA], []),
        ("Israel warned Ankara.", [TURKEY, "Israel"], []),
        ("Israël accuse Damas d'une attaque chimique.", [SYRIA, "Israel"], []),
        ("« Il n'y a eu aucune attaque chimique », a affirmé Damas.", [SYRIA], []),
        # the city: what happens there, what is said there, what is said of it
        ("A chemical attack hit the outskirts of Damascus.", [], ["Damascus"]),
        ("A chemical attack hit Damascus, the monitor said.", [], ["Damascus"]),
        ("Damascus residents said the night was quiet.", [], ["Damascus"]),
        ("Residents of Damascus said the night was quiet.", [], ["Damascus"]),
        ("Police in Damascus said the night was quiet.", [], ["Damascus"]),
        ("Les habitants de Damas ont dit que la nuit était calme.", [], ["Damascus"]),
        ("Des témoins à Damas ont affirmé avoir entendu des tirs.", [], ["Damascus"]),
        ("Damascus University opened a new faculty.", [], ["Damascus"]),
        ("Damascus said to be bracing for more fighting.", [], ["Damascus"]),
        ("The minister said in Damascus that talks would resume.", [], ["Damascus"]),
        ("A car bomb exploded in central Ankara.", [], ["Ankara"]),
        ("Une attaque chimique a frappé la banlieue de Damas.", [], ["Damascus"]),
        ("Le ministre a déclaré à Damas que les pourparlers reprendraient.", [], ["Damascus"]),
        ("L'université de Damas a ouvert une faculté.", [], ["Damascus"]),
    ],
)
def test_a_capital_that_speaks_is_its_government(
    capitals: Engine, text: str, actors: list[str], regions: list[str]
) -> None:
    decision = capitals.evaluate(text)
    assert (list(decision.actors), list(decision.regions)) == (sorted(actors), sorted(regions))


def test_a_capital_both_speaking_and_hit_is_both(capitals: Engine) -> None:
    decision = capitals.evaluate("A chemical attack hit Damascus overnight. Damascus denied it.")
    assert decision.actors == (SYRIA,)
    assert decision.regions == ("Damascus",)
    assert [m.kind for m in decision.matches if m.alias == "Damascus"] == ["region", "actor"]


def test_try_says_why_a_capital_is_an_actor(capitals: Engine) -> None:
    decision = capitals.evaluate("Damascus denied any chemical attack.")
    assert decision.notes == ((0, 8, "Damascus speaking: 'denied'"),)
    shown = explain(capitals, decision)
    assert "actor      Syrian government  ← alias 'Damascus' matched 'Damascus' [0:8] score 100" in shown
    assert shown.splitlines()[1].endswith("score 100 (Damascus speaking: 'denied')")


SCOPES = """\
version: 1
actors:
  - {name: Russia, aliases: [Russian]}
regions:
  - {name: Aleppo, aliases: [Alep]}
  - {name: Idlib, aliases: [Idleb]}
escalations:
  - name: shelling
    severity: medium
    terms: {en: [shelling], fr: [pilonnage]}
  - name: chemical attack
    severity: critical
    terms: {en: [sarin], fr: [gaz sarin]}
rules:
  - {name: sentence, when: {escalations: any, regions: any}, within: sentence}
  - {name: paragraph, when: {escalations: any, regions: any}, within: paragraph}
  - {name: item, when: {escalations: any, regions: any}, within: item}
  - {name: unsaid, when: {escalations: any, regions: any}}
  - {name: both, when: {escalations: any, regions: any, actors: any}, within: sentence}
  - {name: escalation-only, when: {escalations: [chemical attack]}, within: sentence}
"""

ALL = ["sentence", "paragraph", "item", "unsaid"]
WIDE = ["paragraph", "item", "unsaid"]


@pytest.mark.parametrize(
    ("text", "fired"),
    [
        ("Shelling hit Aleppo overnight.", ALL),
        ("Le pilonnage a visé Alep dans la nuit.", ALL),
        # the brief's example: two stories in one paragraph
        ("The Aleppo pepper harvest was poor. Meanwhile, shelling hit the outskirts of Donetsk.", WIDE),
        ("La récolte du piment d'Alep a été mauvaise. Par ailleurs, un pilonnage a visé Donetsk.", WIDE),
        # French copy: a space before ! and ?, quotes « »
        ("Alep a voté ! Un pilonnage a visé Donetsk.", WIDE),
        ("« Alep a voté. » Un pilonnage a visé Donetsk.", WIDE),
        ("Alep a voté ? « Le pilonnage a visé Donetsk. »", WIDE),
        # two paragraphs
        ("Aleppo pepper sold well.\n\nShelling hit Donetsk.", ["item"]),
        ("Le piment d'Alep s'est bien vendu.\n  \nUn pilonnage a visé Donetsk.", ["item"]),
        # abbreviations are no sentence end
        ("Mr. Smith of Aleppo reported shelling.", ALL),
        ("U.S. officials said shelling hit Aleppo.", ALL),
        ("Gen. Ivanov said the shelling near Aleppo had stopped.", ALL),
        ("Selon M. Dupont, le pilonnage a visé Alep.", ALL),
        ("Le Gén. Dupont a confirmé le pilonnage d'Alep.", ALL),
        # a headline reads with the first sentence after it, not with the rest
        ("Shelling resumes\nGovernment troops pounded Aleppo overnight.", ALL),
        ("Shelling resumes\nThe front was quiet. Aleppo voted on Sunday.", WIDE),
    ],
)
def test_where_an_escalation_and_a_region_must_meet(
    engine_of: Callable[[str], Engine], text: str, fired: list[str]
) -> None:
    rules = [r.name for r in engine_of(SCOPES).evaluate(text).rules]
    assert [r for r in rules if r in ALL] == fired


@pytest.mark.parametrize(
    ("text", "fired"),
    [
        ("Russian shelling hit Aleppo.", True),
        ("Russian shelling hit Donetsk. Aleppo voted.", False),  # the region is elsewhere
        ("Shelling hit Aleppo. Russian officials said nothing.", False),  # the actor is elsewhere
        ("Shelling near Aleppo. Russian shelling near Idlib.", True),  # one shelling meets each
    ],
)
def test_a_rule_with_actors_and_regions_pairs_each_with_an_escalation(
    engine_of: Callable[[str], Engine], text: str, fired: bool
) -> None:
    assert ("both" in [r.name for r in engine_of(SCOPES).evaluate(text).rules]) is fired


def test_a_rule_with_escalations_only_has_no_pair_to_scope(engine_of: Callable[[str], Engine]) -> None:
    decision = engine_of(SCOPES).evaluate("Aleppo voted. Sarin was found in a warehouse.")
    assert "escalation-only" in [r.name for r in decision.rules]


def test_severity_comes_from_the_escalations_that_meet_a_name(engine_of: Callable[[str], Engine]) -> None:
    engine = engine_of(SCOPES)
    decision = engine.evaluate("Shelling hit Aleppo.\n\nSarin was found in Moscow.")
    assert {r.name: r.severity for r in decision.rules}["paragraph"] == "medium"
    assert {r.name: r.severity for r in decision.rules}["item"] == "critical"


DEFAULT = """\
version: 1
regions:
  - {name: Aleppo}
escalations:
  - name: shelling
    severity: medium
    terms: {en: [shelling]}
"""


@pytest.mark.parametrize(
    ("text", "alert"),
    [
        ("Shelling hit Aleppo.", True),
        ("Shelling resumed on Sunday. The barrage hit Aleppo's eastern districts.", True),
        ("Aleppo voted on Sunday.\n\nShelling hit Donetsk.", False),
    ],
)
def test_the_default_rule_looks_within_a_paragraph(
    engine_of: Callable[[str], Engine], text: str, alert: bool
) -> None:
    # Sentence would lose follow-ups ("…on Sunday. The barrage hit Aleppo"): see BENCHMARKS.md.
    assert DEFAULT_WITHIN == "paragraph"
    assert engine_of(DEFAULT).evaluate(text).alert is alert


def test_what_is_known_without_positions_meets_everywhere(engine_of: Callable[[str], Engine]) -> None:
    engine = engine_of(SCOPES)
    assert [r.name for r in engine.rules_for([], ["Aleppo"], ["shelling"])] == ALL


def test_try_says_within_what_rules_pair(engine_of: Callable[[str], Engine]) -> None:
    engine = engine_of(SCOPES)
    shown = explain(engine, engine.evaluate("Shelling hit Aleppo."))
    assert shown.endswith(
        "escalation and actor or region must meet within one sentence: sentence, both; "
        "one paragraph: paragraph, unsaid; one item: item"
    )


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two.", 2),
        ("It was violated. Turkish airspace is open.", 2),
        ("Mr. Smith left. Dr. Jones stayed.", 2),
        ("U.S. forces left. They said so.", 2),
        ("Gen. Lee and Lt. Dan met at 5 p.m. on Monday.", 1),
        ("Fini ! Les gens partent.", 2),
        ("Vraiment ? Oui.", 2),
        ("« C'est fini. » Il est parti.", 2),
        ("Il a dit « non ». « Pourquoi ? » Personne ne sait.", 3),
        ("Selon M. Dupont et Mme. Durand, tout va bien.", 1),
        ("Le Gén. Dupont est arrivé. Il a parlé.", 2),
        ("A title\nIts summary.", 1),
        ("One paragraph.\n\nAnother.", 2),
        ("Attendez… Les résultats arrivent.", 2),
    ],
)
def test_sentence_ends(text: str, sentences: int) -> None:
    assert len(FULL_STOP.findall(text)) + 1 == sentences


def test_for_terms_a_line_break_ends_a_sentence_too() -> None:
    assert SENTENCE_END.search("A title\nIts summary.") is not None
    assert FULL_STOP.search("A title\nIts summary.") is None


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_watchlist(text, "w.yaml")
    return [str(i) for i in caught.value.issues]


def test_stands_for_must_name_an_actor() -> None:
    text = CAPITALS.replace("stands_for: Turkish government", "stands_for: Turkish army")
    assert issues(text) == [
        "w.yaml:8: stands_for: 'Turkish army' is not the name of an actor of the watchlist"
    ]


def test_within_is_sentence_paragraph_or_item() -> None:
    found = issues(
        SCOPES.replace("within: sentence}\n  - {name: paragraph", "within: line}\n  - {name: paragraph")
    )
    assert found == ["w.yaml:15: rules.within: Input should be 'sentence', 'paragraph' or 'item'"]


def test_the_demo_capital_speaks_for_the_syrian_government(demo_engine: Engine) -> None:
    decision = demo_engine.evaluate("Damascus denied any chemical attack in Idlib.")
    assert decision.actors == ("Syrian government forces",)
    assert decision.regions == ("Idlib",)
