"""Watchlist spellings compiled for matching, and the exact pass over them.

Built once per watchlist by ``Engine.build``. Every spelling becomes an
``Alias`` (normalised words + transliteration keys); an Aho-Corasick
automaton over space-delimited keys finds every alias whose words appear,
whole words only, in a text's key string, in one C-speed scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import ahocorasick

from processors.matching.common import COMMON_WORDS
from processors.matching.everyday import EVERYDAY_WORDS
from processors.matching.normalise import key, skeleton, words
from wirewatch.watchlist import DEFAULT_THRESHOLD, Actor, Region

#: Aliases whose key is shorter than this have no fuzzy variants.
MIN_VARIANT_CHARS = 5
#: Aliases whose key is shorter than this, or whose words are shorter than ``MIN_VARIANT_CHARS``,
#: match their exact spelling only. A key of ``MIN_KEY_CHARS`` letters matches its equals when the
#: spelling lost letters to a long vowel or a final -ah/-eh/-é (Daraa → dara, Sanaa → sana,
#: Jableh and Jablé → jabl): Deraa, Dar'a, Jablé, Jableh. Other keys that short stay exact:
#: Assad → asad would take Asaad, Douma → duma the Russian Duma.
MIN_KEY_CHARS = 4
_SHORTENED = re.compile(r"([aeiou])\1|[aeiou]h$")
#: A French tāʾ marbūṭa: é ending a word of the spelling (Jablé, Hassaké).
_FINAL_E_ACUTE = re.compile(r"[éÉ](?![^\W\d_])")

#: Capitalised aliases this short are acronyms, matched in capitals only.
MAX_ACRONYM_LETTERS = 5

#: Score of the listed spelling itself (case, accents and apostrophes aside).
EXACT_SCORE = 100.0

#: Score given to a spelling equal to an alias once transliterated (Daech for Daesh).
KEY_SCORE = 95.0


@dataclass(frozen=True)
class Entity:
    """An actor or region as the engine sees it: canonical name, kind and tags."""

    name: str
    kind: Literal["actor", "region"]
    tags: frozenset[str]


@dataclass(frozen=True)
class Alias:
    """One watchlist spelling, ready to match.

    ``strict`` aliases (short, common words, or ``exact: true`` entries) only
    match their own normalised words; the others also match spellings with
    the same key (exact pass) or close enough (fuzzy pass, ``threshold``).
    """

    entity: int
    spelling: str
    words: tuple[str, ...]
    keys: tuple[str, ...]
    strict: bool
    threshold: float

    #: the keys without spaces: what fuzzy scores compare
    joined: str
    #: the normalised words without spaces (fuzzy scores compare these too)
    plain: str
    #: skeletons of the keys, then of the words, joined (what the scores' skeleton part compares)
    key_bones: str
    plain_bones: str
    #: written in capitals (HTS, SDF, IS): matches capitals only, so "is" and "the" stay words
    acronym: bool = False
    #: has a capital letter (a proper noun): its variants must be capitalised in the text too
    proper: bool = False
    #: one word: when proper, even its own spelling needs a capital in the text (the town of
    #: Basic is not "basic", Nice not "nice", Damas not the "damas" fabric)
    one_word: bool = False


class Candidate:
    """A possible match before overlaps are resolved: words ``start:end`` of the text.

    Made tens of times per text: a plain class, not a frozen dataclass, because its
    ``__init__`` is then compiled with the module (a dataclass's is generated at run time
    and interpreted) and costs a third of a frozen one's even uncompiled. Never mutated.
    """

    __slots__ = ("alias", "end", "score", "start")

    def __init__(self, start: int, end: int, alias: int, score: float):
        self.start = start
        self.end = end
        self.alias = alias
        self.score = score

    def __repr__(self) -> str:
        return f"Candidate({self.start}, {self.end}, alias={self.alias}, score={self.score})"


def compile_entities(actors: Iterable[Actor], regions: Iterable[Region]) -> tuple[list[Entity], list[Alias]]:
    """Entities and their aliases (name first, then listed aliases), in watchlist order."""
    entities: list[Entity] = []
    aliases: list[Alias] = []
    sections: tuple[tuple[Literal["actor", "region"], Iterable[Actor | Region]], ...] = (
        ("actor", actors),
        ("region", regions),
    )
    for kind, entries in sections:
        for entry in entries:
            index = len(entities)
            entities.append(Entity(entry.name, kind, frozenset(entry.tags)))
            threshold = entry.threshold if entry.threshold is not None else DEFAULT_THRESHOLD
            seen: set[tuple[str, ...]] = set()
            for spelling in entry.spellings:
                alias = make_alias(index, spelling, threshold, entry.exact)
                if alias is not None and alias.words not in seen:
                    seen.add(alias.words)
                    aliases.append(alias)
    return entities, aliases


def _shortened(spelling: str, ws: tuple[str, ...]) -> bool:
    """Whether a spelling lost key letters to a long vowel or a feminine ending (see ``MIN_KEY_CHARS``)."""
    return any(map(_SHORTENED.search, ws)) or _FINAL_E_ACUTE.search(spelling) is not None


def make_alias(entity: int, spelling: str, threshold: float, exact: bool = False) -> Alias | None:
    """Compile one spelling; ``None`` if nothing is left of it after normalisation."""
    ws = tuple(words(spelling))
    if not ws:
        return None
    keys = tuple(key(w) for w in ws)
    letters = [c for c in spelling if c.isalpha()]
    acronym = len(letters) <= MAX_ACRONYM_LETTERS and all(c.isupper() for c in letters)
    strict = (
        exact
        or acronym
        or all(w in COMMON_WORDS for w in ws)
        or len("".join(ws)) < MIN_VARIANT_CHARS
        or len("".join(keys)) < MIN_KEY_CHARS
        or (len("".join(keys)) < MIN_VARIANT_CHARS and not _shortened(spelling, ws))
    )
    proper = any(c.isupper() for c in letters)
    return Alias(
        entity,
        spelling,
        ws,
        keys,
        strict,
        threshold,
        joined="".join(keys),
        plain="".join(ws),
        key_bones="".join(map(skeleton, keys)),
        plain_bones="".join(map(skeleton, ws)),
        acronym=acronym,
        proper=proper,
        one_word=len(ws) == 1,
    )


def key_line(keys: Iterable[str]) -> str:
    """Keys joined by single spaces with a space at each end, so patterns match whole words."""
    return " " + " ".join(keys) + " "


def _everyday(found: tuple[str, ...]) -> bool:
    """Words that may not be a transliteration of a name: common words, or one everyday word."""
    return COMMON_WORDS.issuperset(found) or (len(found) == 1 and found[0] in EVERYDAY_WORDS)


class ExactIndex:
    """Aho-Corasick over alias keys: finds spellings equal to an alias once transliterated."""

    def __init__(self, aliases: list[Alias]):
        self._aliases = aliases
        by_pattern: dict[str, list[int]] = {}
        for i, alias in enumerate(aliases):
            by_pattern.setdefault(key_line(alias.keys), []).append(i)
        self._automaton = ahocorasick.Automaton()
        for pattern, ids in by_pattern.items():
            self._automaton.add_word(pattern, (len(pattern), len(aliases[ids[0]].keys), tuple(ids)))
        if by_pattern:
            self._automaton.make_automaton()
        self._empty = not by_pattern

    def find(self, text_words: list[str], keys: list[str]) -> list[Candidate]:
        """Candidates in a text whose words are ``text_words`` and their keys ``keys``."""
        out: list[Candidate] = []
        if self._empty:
            return out
        aliases = self._aliases
        line = key_line(keys)
        # A hit's first word is numbered by the spaces before its pattern's leading space, counted
        # on from the previous hit's (hits come in about text order), so the line is read ~once.
        at = first = 0
        end: int
        length: int
        size: int
        ids: tuple[int, ...]
        for end, (length, size, ids) in self._automaton.iter(line):
            begin = end - length + 1
            if begin >= at:
                first += line.count(" ", at, begin)
            else:
                first -= line.count(" ", begin, at)
            at = begin
            last = first + size  # every alias of one pattern has as many words as it has keys
            found = tuple(text_words[first:last])
            for i in ids:
                alias = aliases[i]
                if found == alias.words:
                    out.append(Candidate(first, last, i, EXACT_SCORE))
                elif not alias.strict and not _everyday(found):
                    out.append(Candidate(first, last, i, KEY_SCORE))
        return out
