"""Everyday phrases that hold an escalation word but say something else, and sentence bounds.

Called by ``Engine.evaluate`` after the escalation terms are found: a term
match that overlaps one of these idioms ("shelling out" money, books
"pilonnés" by their publisher, a deal "struck", the "trêve des confiseurs") is dropped, and
so is a term whose words run across a sentence end ("…was violated.
Turkish airspace…" is not "violated * airspace"). The list is built in and
deliberately small: phrases whose every reading in wire copy is the
everyday one. They are written like watchlist terms (same inflections, ``*``
for up to three words) and apply whatever escalation the overlapped term
belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from processors.matching.normalise import WordSpans
from processors.matching.terms import TermIndex, TermMatch, compile_phrases

#: Things one shells (peas) or pounds (garlic) in a kitchen.
_KITCHEN_EN = ("peas", "beans", "nuts", "peanuts", "pistachios", "prawns", "shrimp", "oysters", "eggs")
_KITCHEN_FR = ("ail", "epices", "graines", "amandes", "noix", "gingembre", "poivre", "herbes", "basilic")
#: What a publisher "pilonne" (pulps).
_BOOKS_FR = ("exemplaires", "invendus", "livres", "ouvrages", "stocks", "tirage")

IDIOMS: tuple[str, ...] = (
    # to pay: "fans are shelling out record prices"
    "shell out",
    # sports teams: "the New York Jets struck first"
    "new york jets",
    "winnipeg jets",
    # seasonal lulls, not ceasefires: the Christmas political lull, the winter eviction ban
    "treve des confiseurs",
    "treve hivernale",
    "pilonne par * editeur",
    # verb forms of strike, bomb, frappe, attaque that say something else: deals are struck,
    # films bomb at the box office, one knocks at a door and sues ("attaqué en justice")
    *(
        f"strike * {thing}"
        for thing in ("deal", "agreement", "bargain", "compromise", "chord", "balance", "pose")
    ),
    "strike gold",
    "bomb at * box office",
    "frappe a * porte",
    "attaque en justice",
    *(f"shell * {thing}" for thing in _KITCHEN_EN),
    *(f"{thing} * shell" for thing in _KITCHEN_EN),
    *(f"pilonne * {thing}" for thing in _KITCHEN_FR + _BOOKS_FR),
    *(f"{thing} * pilonne" for thing in _BOOKS_FR),
)

_TITLES = (
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "St",
    "Gen",
    "Col",
    "Lt",
    "Sgt",
    "Capt",
    "Gov",
    "Sen",
    "Rep",
    "Jr",
    "Mme",
    "Mgr",
)
# A sentence ends at . ! ? before a capital, after a word ending in two lowercase letters or
# digits (so not inside "U.S." nor after "Mr."); or at a line break (a title, then its summary).
_SENTENCE_END = re.compile(
    r"(?:(?<=[^\W_][^\W_A-Z])"
    + "".join(rf"(?<!\b{t})" for t in _TITLES)
    + r"[.!?…]+[\"»”’)]*\s+(?=[\"«“(]?[^\W\d_a-z])|\n)"
)


#: Where a text's words are in it: ``WordSpans``, or a dict of the words a check needs.
Spans = WordSpans | dict[int, tuple[int, int]]


class IdiomFilter:
    """Drops escalation term matches that are idioms or cross a sentence end."""

    def __init__(self, idioms: Iterable[str] = IDIOMS):
        self.phrases = compile_phrases(idioms)
        self._index = TermIndex(self.phrases)

    def find(self, text_words: list[str]) -> list[tuple[int, int]]:
        """Word spans of the idioms in ``text_words``."""
        return [(m.start, m.end) for m in self._index.find(text_words)]

    def keep(
        self, terms: list[TermMatch], idioms: list[tuple[int, int]], spans: Spans, text: str
    ) -> list[TermMatch]:
        """``terms`` without those overlapping one of ``idioms`` and those that cross a sentence end.

        ``spans`` maps words (the first and last of every term and idiom) back
        to ``text``, where sentence ends are seen; an idiom that crosses one
        does not count.
        """

        def bounded(start: int, end: int) -> bool:
            return end - start < 2 or _SENTENCE_END.search(text, spans[start][1], spans[end - 1][0]) is None

        within = [(start, end) for start, end in idioms if bounded(start, end)]
        return [
            t
            for t in terms
            if bounded(t.start, t.end) and not any(t.start < end and start < t.end for start, end in within)
        ]
