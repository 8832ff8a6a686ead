"""The fuzzy pass: spellings nobody listed (Idleb for Idlib, Nosra for Nusra).

Scoring every alias against the whole text is the naive baseline. Here each
non-strict alias is filed under one *anchor* word (its rarest), by that
word's key, the key's one-letter deletions and its skeleton. A text word
looks up its own key, deletions and skeleton: the few aliases found are
scored against the windows of whole text words around it. What a word finds
depends only on the word, so it is remembered (bounded cache), and a stream
of news pays for each new word once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from rapidfuzz.distance import Indel

from processors.matching.aliases import KEY_SCORE, MIN_VARIANT_CHARS, Alias, Candidate
from processors.matching.common import COMMON_WORDS
from processors.matching.normalise import skeleton

#: Words a fuzzy anchor needs at least (shorter words only take part in windows).
MIN_ANCHOR_CHARS = 3
#: A text word and an anchor word must be at least this alike to try windows.
ANCHOR_SIMILARITY = 0.6
#: Remembered text words per engine before the memory starts again.
CACHE_WORDS = 200_000
#: How much of the score comes from the consonant skeleton (vowel drift is cheap).
SKELETON_WEIGHT = 0.5
#: Highest score a fuzzy match reports (below ``KEY_SCORE``).
FUZZY_CAP = 94.0

Hit = tuple[int, int]  # (alias id, position of its anchor word)


def similarity(a: str, b: str) -> float:
    """Score (0–100) of two keys: normalised Indel similarity, blended with their skeletons'.

    ``idleb``/``idlib`` score 90 (only a vowel differs); ``hamas``/``humus`` 80.
    """
    plain = Indel.normalized_similarity(a, b)
    bones = Indel.normalized_similarity(skeleton(a), skeleton(b))
    return 100.0 * ((1 - SKELETON_WEIGHT) * plain + SKELETON_WEIGHT * bones)


def _deletions(k: str) -> set[str]:
    return {k[:i] + k[i + 1 :] for i in range(len(k))}


def _lookups(k: str) -> Iterator[str]:
    yield k
    yield from _deletions(k)
    bones = skeleton(k)
    if len(bones) >= MIN_ANCHOR_CHARS:
        yield "\x01" + bones


#: Endings that make a plural, not another word: Pasdarans for Pasdaran.
PLURAL_ENDINGS = ("s", "es", "x")


def _derived(window: str, alias: str) -> bool:
    """Whether one key is the other plus an ending other than a plural (Golani, Golan).

    Spelling variants change letters; a word that only adds an ending is
    another word (an adjective, a surname), so it is not a fuzzy match.
    """
    short, long = sorted((window, alias), key=len)
    return long.startswith(short) and long[len(short) :] not in PLURAL_ENDINGS


def _better(new: Candidate, old: Candidate | None) -> bool:
    """Best window for one alias around one word: higher score, then fewer words."""
    if old is None:
        return True
    return (new.score, old.end - old.start) > (old.score, new.end - new.start)


class FuzzyIndex:
    """Blocking index from anchor words to aliases, and the window scorer."""

    def __init__(self, aliases: list[Alias]):
        self._aliases = aliases
        frequency = Counter(k for a in aliases if not a.strict for k in set(a.keys))
        self._postings: dict[str, list[Hit]] = {}
        for i, alias in enumerate(aliases):
            anchor = self._anchor(alias, frequency)
            if anchor is None:
                continue
            for lookup in _lookups(alias.keys[anchor]):
                self._postings.setdefault(lookup, []).append((i, anchor))
        self._cache: dict[str, tuple[Hit, ...]] = {}

    @staticmethod
    def _anchor(alias: Alias, frequency: Counter[str]) -> int | None:
        if alias.strict:
            return None
        usable = [
            (frequency[k], -len(k), pos)
            for pos, (w, k) in enumerate(zip(alias.words, alias.keys, strict=True))
            if len(k) >= MIN_ANCHOR_CHARS and w not in COMMON_WORDS
        ]
        return min(usable)[2] if usable else None

    def hits(self, k: str) -> tuple[Hit, ...]:
        """Aliases whose anchor word looks like the text word with key ``k`` (remembered)."""
        found = self._cache.get(k)
        if found is not None:
            return found
        seen: set[Hit] = set()
        for lookup in _lookups(k):
            for hit in self._postings.get(lookup, ()):
                if hit not in seen:
                    anchor = self._aliases[hit[0]].keys[hit[1]]
                    if Indel.normalized_similarity(k, anchor) >= ANCHOR_SIMILARITY or skeleton(k) == skeleton(
                        anchor
                    ):
                        seen.add(hit)
        found = tuple(sorted(seen))
        if len(self._cache) >= CACHE_WORDS:
            self._cache.clear()
        self._cache[k] = found
        return found

    def find(self, text_words: list[str], keys: list[str]) -> Iterator[Candidate]:
        """Fuzzy candidates: for each word with hits, the best window of each alias around it."""
        n = len(keys)
        best: dict[tuple[int, int], Candidate] = {}
        for pos, k in enumerate(keys):
            if len(k) < MIN_ANCHOR_CHARS or text_words[pos] in COMMON_WORDS:
                continue
            for alias_id, anchor in self.hits(k):
                alias = self._aliases[alias_id]
                size = len(alias.keys)
                for length in (size, size - 1, size + 1):
                    if length < 1:
                        continue
                    # Windows that hold the word, with the anchor at about its place in the alias.
                    low = max(0, pos - anchor - 1, pos - length + 1)
                    for start in range(low, min(pos - anchor + 1, pos, n - length) + 1):
                        candidate = self._score(alias_id, alias, text_words, keys, start, start + length)
                        if candidate is not None and _better(candidate, best.get((alias_id, pos))):
                            best[(alias_id, pos)] = candidate
        yield from best.values()

    @staticmethod
    def _score(
        alias_id: int, alias: Alias, text_words: list[str], keys: list[str], start: int, end: int
    ) -> Candidate | None:
        window = "".join(keys[start:end])
        if len(window) < MIN_VARIANT_CHARS or all(w in COMMON_WORDS for w in text_words[start:end]):
            return None
        if window == alias.joined:  # the same key, cut into words differently (Deir ez Zor)
            return Candidate(start, end, alias_id, KEY_SCORE)
        if _derived(window, alias.joined):
            return None
        # Keys meet more variants; plain words keep the letters that tell them apart (Hizbullah).
        score = max(similarity(window, alias.joined), similarity("".join(text_words[start:end]), alias.plain))
        if score < alias.threshold:
            return None
        # Fuzzy scores stay below transliteration-equal ones, so ranking by score ranks by kind.
        return Candidate(start, end, alias_id, round(min(score, FUZZY_CAP), 1))
