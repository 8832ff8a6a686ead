"""Sentences and paragraphs of a text: where escalation terms stop and where rules look.

Used by ``rules.RuleSet`` (a rule's escalation and its actor or region must
meet within one sentence, one paragraph, or anywhere in the item:
``within``). ``SENTENCE_END`` is the rule of ``idioms`` (a term never runs
across a sentence end), grown to French punctuation; ``idioms`` keeps its
first version until it imports this one.

A sentence ends at ``. ! ? …`` before a capital, after a word ending in two
lowercase letters or digits, so not inside "U.S." nor after "Mr." or "M.";
French copy's spaces before ``! ? …``, inside « » and before a closing »
count too, and so does a stop after a closing quote (« non ».). For
the terms a line break ends a sentence as well; for rules it does not, so a
headline (no final stop) reads with the summary's first sentence that it
sums up. A paragraph ends at a blank line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from typing import Literal, Protocol

Level = Literal["sentence", "paragraph"]

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
    "Mlle",
    "Me",
    "Pr",
    "Prof",
    "Gén",
    "Maj",
    "Adm",
    "Brig",
)
_SPACE = r"[ \u00a0\u202f]"
# The first stop is matched before the lookbehinds check what precedes it: a pattern that starts
# with a character set is scanned for at C speed, one that starts with a lookbehind is not.
_STOP = (
    r"[.!?…](?:(?<=[^\W_][^\W_A-Z][.!?…])"
    + "".join(rf"(?<!\b{t}[.!?…])" for t in _TITLES)
    + rf"|(?<=[^\W_]{_SPACE}[!?…])|(?<=[»”\")][.!?…]))[.!?…]*"
    + rf"(?:{_SPACE}?[\"»”’)])*\s+(?=(?:[\"«“(]{_SPACE}?)?[^\W\d_a-z])"
)

#: Where a sentence ends, for escalation terms: a full stop before a capital, or a line break.
SENTENCE_END = re.compile(rf"(?:{_STOP}|\n)")

_BLANK_LINE = r"\n[^\S\n]*\n"

#: Where a sentence ends, for rule scopes: a full stop before a capital, or a blank line (a
#: headline's line break is no end: the headline goes with the first sentence after it).
FULL_STOP = re.compile(rf"(?:{_STOP}|{_BLANK_LINE})")

#: Where a paragraph ends: a blank line.
PARAGRAPH_END = re.compile(_BLANK_LINE)

_ENDS: dict[Level, re.Pattern[str]] = {"sentence": FULL_STOP, "paragraph": PARAGRAPH_END}

#: A span of the text: ``(start, end)`` character offsets.
Span = tuple[int, int]

#: The rules' section of each kind of match.
SECTIONS = {"actor": "actors", "region": "regions", "escalation": "escalations"}


class Placed(Protocol):
    """What ``Places`` reads of a match (``decision.Match`` has it)."""

    @property
    def entity(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


class Places:
    """Where each name an item mentions stands in its text: do two names meet in one unit?

    Built per text by ``Engine`` from its matches, asked by ``rules.RuleSet``.
    Most texts are one paragraph (a headline and its summary): one search
    says so, and every name meets every other. Otherwise the text is never
    split whole: whether an escalation shares a unit with some entity is
    settled by looking for an end between it and the nearest entity on
    either side (anything further away lies past that end too).
    """

    def __init__(self, text: str, matches: Sequence[Placed]):
        self._text = text
        self._matches = matches
        self._whole: dict[Level, bool] = {}
        #: ``(section, name)`` → the spans of its matches, in text order (made on first need)
        self._spans: dict[tuple[str, str], list[Span]] | None = None

    def whole(self, level: Level) -> bool:
        """Whether the text is a single ``level`` unit (no end in it)."""
        found = self._whole.get(level)
        if found is None:
            text = self._text
            lines = level == "paragraph" and text.count("\n") < 2  # no blank line without two breaks
            found = self._whole[level] = lines or _ENDS[level].search(text) is None
        return found

    def together(self, level: Level, escalation: str, section: str, names: frozenset[str]) -> bool:
        """Whether ``escalation`` and one of ``names`` (of ``section``) stand in one ``level`` unit."""
        if self.whole(level):
            return True
        spans = self._spans
        if spans is None:
            spans = self._spans = {}
            for m in self._matches:
                spans.setdefault((SECTIONS[m.kind], m.entity), []).append((m.start, m.end))
        others = sorted(span for name in names for span in spans.get((section, name), ()))
        if not others:
            return False
        starts = [start for start, _end in others]
        for start, end in spans.get(("escalations", escalation), ()):
            at = bisect_right(starts, start)
            if at and self._joined(level, others[at - 1], (start, end)):
                return True
            if at < len(others) and self._joined(level, (start, end), others[at]):
                return True
        return False

    def _joined(self, level: Level, first: Span, second: Span) -> bool:
        """Whether no ``level`` end lies between ``first`` and ``second`` (``first`` starts first)."""
        lo, hi = first[1], second[0]
        if hi <= lo:  # they overlap or touch
            return True
        # Three characters past ``hi``: the lookahead for the capital (or « and a space) after a stop.
        found = _ENDS[level].search(self._text, lo, min(len(self._text), hi + 3))
        return found is None or found.start() >= hi
