"""Escalation terms: multiword phrases, ``*`` gaps, inflected forms, either language.

Compiled once per watchlist by ``Engine.build``; ``TermIndex.find`` runs on
the normalised words of every text. A term written ``air strike`` also
matches ``airstrike``, ``air-strike`` and ``air strikes``; ``frappe
aérienne`` matches ``frappes aériennes``; ``violation de * espace aérien``
matches ``violations de son espace aérien`` and ``violation de l'espace
aérien`` (``*`` = up to three words); ``drone strike`` matches ``drone
struck``, ``pilonnage`` matches ``pilonnaient`` (``VERB_FORMS``). French and English terms apply to
items of any language: wires quote each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, count, product

from processors.matching.normalise import words
from wirewatch.watchlist import Escalation

#: Most words a ``*`` stands for.
GAP_WORDS = 3

#: Little words that stand for each other inside a term (de/du/des, son/sa/leur…).
_EQUIVALENT = (
    {"de", "du", "des", "d"},
    {"le", "la", "les", "l"},
    {"a", "au", "aux", "the", "an"},
    {"un", "une"},
    {"son", "sa", "ses", "leur", "leurs"},
    {"its", "their", "his", "her"},
)
_FUNCTION = {w: frozenset(group) for group in _EQUIVALENT for w in group}

_SUFFIXES = ("", "s", "x", "e", "es", "d", "ed", "ing", "ings")

#: French first-group endings a verb behind an escalation noun takes in wire copy (accents
#: folded): il pilonne, ils pilonnent, pilonné(e)(s), pilonner, pilonnait, pilonnaient. Not -ant:
#: "frappant" and "attaquant" (a striker) are other words.
_FRENCH_ENDINGS = ("e", "es", "ee", "ees", "er", "ent", "ait", "aient")
#: Escalation nouns and the stem of the verb behind them: "les avions ont bombardé" says a
#: bombardement, "le quartier a été pilonné" a pilonnage.
_FRENCH_VERBS = {"bombardement": "bombard", "pilonnage": "pilonn", "frappe": "frapp", "attaque": "attaqu"}
#: English forms the suffixes do not make: the irregular past (struck) and the verb behind a
#: noun in -ing (bombing → bombed). Not "bomb" nor "shell": those are nouns (a car bomb, Shell).
_ENGLISH_VERBS = (
    ("strike", "strikes", "striking", "struck"),
    ("bombing", "bombings", "bombed"),
    ("shelling", "shellings", "shelled"),
    ("bombardment", "bombardments", "bombarded", "bombarding"),
)


def _verb_groups() -> dict[str, frozenset[str]]:
    """Each form of a noun-and-verb group → every form of its group."""
    groups = [frozenset(group) for group in _ENGLISH_VERBS]
    for noun, stem in _FRENCH_VERBS.items():
        groups.append(frozenset({noun, noun + "s", *(stem + ending for ending in _FRENCH_ENDINGS)}))
    return {form: group for group in groups for form in group}


#: A term word in one of these groups accepts every form of it (both paths: the native pass
#: reads the compiled forms).
VERB_FORMS = _verb_groups()

Gap = None
Slot = frozenset[str] | None  # a word's accepted forms, or a gap (None)


def inflections(word: str) -> frozenset[str]:
    """Forms a term word accepts: plural s/x, feminine e, -ed/-ing, the verb forms of
    ``VERB_FORMS``; little words are swapped.

    ``aerienne`` → aerien, aeriens, aerienne, aeriennes…; ``strike`` →
    strikes, striking, struck…; ``pilonnage`` → pilonne, pilonnent, pilonnee…;
    ``tir`` → tirs; ``de`` → de, du, des.
    """
    if word in _FUNCTION:
        return _FUNCTION[word]
    if len(word) <= 3:
        return frozenset({word, word + "s"})
    stems = {word}
    if word.endswith("e"):
        stems.add(word[:-1])
    if word.endswith("nne"):
        stems.add(word[:-2])
    if word.endswith("en"):
        stems.add(word + "n")
    forms = {stem + suffix for stem in stems for suffix in _SUFFIXES}
    if word.endswith("al"):
        forms.add(word[:-2] + "aux")
    return frozenset(forms | VERB_FORMS.get(word, frozenset()))


@dataclass(frozen=True)
class Term:
    """One way of writing a term: slots of accepted word forms and gaps."""

    escalation: int
    text: str
    slots: tuple[Slot, ...]


class TermMatch:
    """Words ``start:end`` of a text say the escalation through ``term``.

    A plain class for the same reason as ``aliases.Candidate``. Never mutated.
    """

    __slots__ = ("end", "escalation", "start", "term")

    def __init__(self, start: int, end: int, escalation: int, term: str):
        self.start = start
        self.end = end
        self.escalation = escalation
        self.term = term

    def __repr__(self) -> str:
        return f"TermMatch({self.start}, {self.end}, escalation={self.escalation}, term={self.term!r})"


def _parts(term: str) -> list[str | None]:
    parts: list[str | None] = []
    for i, chunk in enumerate(term.split("*")):
        if i:
            parts.append(Gap)
        parts.extend(words(chunk))
    return parts


def _variants(parts: list[str | None]) -> Iterator[tuple[Slot, ...]]:
    """Every slot sequence of a term, with each pair of neighbouring content words joined or not."""
    joints = [
        i
        for i in range(len(parts) - 1)
        if parts[i] is not None
        and parts[i + 1] is not None
        and parts[i] not in _FUNCTION
        and parts[i + 1] not in _FUNCTION
    ]
    for choice in product((False, True), repeat=len(joints)):
        joined = {j for j, on in zip(joints, choice, strict=True) if on}
        merged: list[str | None] = []
        for i, part in enumerate(parts):
            if i - 1 in joined and merged and merged[-1] is not None and part is not None:
                merged[-1] = merged[-1] + part
            else:
                merged.append(part)
        yield tuple(Gap if p is None else inflections(p) for p in merged)


def compile_phrases(phrases: Iterable[str], escalation: int = -1) -> list[Term]:
    """Every spelling variant of ``phrases`` (terms of one escalation, or idioms: ``-1``)."""
    out: list[Term] = []
    for text in phrases:
        parts = _parts(text)
        if any(p is not None for p in parts):
            out.extend(Term(escalation, text, slots) for slots in dict.fromkeys(_variants(parts)))
    return out


def compile_terms(escalations: Iterable[Escalation]) -> list[Term]:
    """Every term of every escalation, in every spelling variant."""
    return [t for index, e in enumerate(escalations) for t in compile_phrases(e.terms.all(), index)]


class TermIndex:
    """Finds escalation terms in the normalised words of a text."""

    def __init__(self, terms: list[Term]):
        self.terms = terms
        self._first: dict[str, list[Term]] = {}
        for term in terms:
            first = term.slots[0]
            assert first is not None  # checked: a term never starts with '*'
            for form in first:
                self._first.setdefault(form, []).append(term)

    def find(self, text_words: list[str]) -> Iterator[TermMatch]:
        """Every place a term matches (its shortest reading at each start)."""
        first = self._first
        starts = first.keys() & text_words  # looks up the text's words, not every form in ``first``
        if not starts:
            return
        for i in compress(count(), map(starts.__contains__, text_words)):
            for term in first[text_words[i]]:
                end = _match(term.slots, 1, text_words, i + 1)
                if end is not None:
                    yield TermMatch(i, end, term.escalation, term.text)


def _match(slots: tuple[Slot, ...], s: int, text_words: list[str], j: int) -> int | None:
    """End of the text words matching ``slots[s:]`` from word ``j``, or ``None``."""
    if s == len(slots):
        return j
    slot = slots[s]
    if slot is None:
        for skip in range(GAP_WORDS + 1):
            if j + skip > len(text_words):
                break
            end = _match(slots, s + 1, text_words, j + skip)
            if end is not None:
                return end
        return None
    if j < len(text_words) and text_words[j] in slot:
        return _match(slots, s + 1, text_words, j + 1)
    return None
