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
from collections.abc import Iterable, Iterator
from itertools import compress

from rapidfuzz.distance import Indel

from processors.matching.aliases import KEY_SCORE, MIN_VARIANT_CHARS, Alias, Candidate
from processors.matching.common import COMMON_WORDS
from processors.matching.everyday import EVERYDAY_WORDS
from processors.matching.normalise import key, skeleton, skeletons_of

#: Words a fuzzy anchor needs at least (shorter words only take part in windows).
MIN_ANCHOR_CHARS = 4
#: Anchors this long are also filed under their one-letter deletions (one consonant changed).
MIN_DELETION_CHARS = 5
#: A text word and an anchor word must score this much to try windows around it.
ANCHOR_SCORE = 70.0
#: Remembered text words per engine before the memory starts again.
CACHE_WORDS = 200_000
#: Remembered probe neighbourhoods per engine before that memory starts again.
CACHE_PHRASES = 100_000
#: How much of the score comes from the consonant skeleton (vowel drift is cheap).
SKELETON_WEIGHT = 0.5
#: Longest word that may split a name in two (Bou, Abou, Ez).
MAX_PARTICLE_CHARS = 4
#: Highest score a fuzzy match reports (below ``KEY_SCORE``).
FUZZY_CAP = 94.0

#: Aliases a text word hits, grouped by ((alias length in words, anchor position), alias ids).
Groups = tuple[tuple[tuple[int, int], tuple[int, ...]], ...]
#: What one probe found: (start, end) relative to its neighbourhood, alias id, score.
Found = tuple[tuple[int, int, int, float], ...]


def _blend(plain: float, bones: float) -> float:
    return 100.0 * ((1 - SKELETON_WEIGHT) * plain + SKELETON_WEIGHT * bones)


def similarity(a: str, a_bones: str, b: str, b_bones: str) -> float:
    """Score (0–100) of two spellings: Indel similarity of the letters, blended with the skeletons'.

    ``idleb``/``idlib`` score 90 (only a vowel differs); ``hamas``/``humus`` 80.
    """
    return _blend(Indel.normalized_similarity(a, b), Indel.normalized_similarity(a_bones, b_bones))


def _lookups(k: str, deletions: bool = True) -> Iterator[str]:
    yield k
    if deletions and len(k) >= MIN_DELETION_CHARS:
        yield from {k[:i] + k[i + 1 :] for i in range(len(k))}
    bones = skeleton(k)
    if len(bones) >= 3:
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


_VOWELS = "aeiou"


def _ending(k: str) -> str:
    return k[len(k.rstrip(_VOWELS)) :]


def _other_ending(window: str, alias: str) -> bool:
    """Whether the keys end in different vowels: Alepia or Alepa for Aleppo, Tehrani for Tehran.

    Vowel drift inside a name is transliteration (Idleb, Nosra); at its end
    it makes another word (a brand, an adjective, a surname). An ``a`` or
    ``e`` against no vowel is the Arabic feminine ending (Jabla, Jableh).
    """
    ours, theirs = _ending(window), _ending(alias)
    if ours == theirs:
        return False
    return not ("" in (ours, theirs) and ours + theirs in ("a", "e"))


def _better(new: Candidate, old: Candidate | None) -> bool:
    """Best window for one alias around one word: higher score, then fewer words."""
    if old is None:
        return True
    return (new.score, old.end - old.start) > (old.score, new.end - new.start)


def anchors_of(aliases: list[Alias]) -> list[int | None]:
    """Per alias, the position of the word it is filed under: its rarest usable word.

    ``None`` for strict aliases and those with a key shorter than
    ``MIN_VARIANT_CHARS`` (never fuzzy), and aliases with no word long and
    uncommon enough to anchor them.
    """
    frequency = Counter(k for a in aliases if not a.strict for k in set(a.keys))
    return [_anchor(alias, frequency) for alias in aliases]


def _anchor(alias: Alias, frequency: Counter[str]) -> int | None:
    if alias.strict or len(alias.joined) < MIN_VARIANT_CHARS:  # a short key meets its equals only
        return None
    usable = [
        (frequency[k], -len(k), pos)
        for pos, (w, k) in enumerate(zip(alias.words, alias.keys, strict=True))
        if len(k) >= MIN_ANCHOR_CHARS and w not in COMMON_WORDS
    ]
    return min(usable)[2] if usable else None


class FuzzyIndex:
    """Blocking index from anchor words to aliases, and the window scorer."""

    def __init__(self, aliases: list[Alias]):
        self._aliases = aliases
        self._postings: dict[str, list[tuple[int, int]]] = {}
        self.anchors = anchors_of(aliases)
        for i, (alias, anchor) in enumerate(zip(aliases, self.anchors, strict=True)):
            if anchor is None:
                continue
            for lookup in _lookups(alias.keys[anchor]):
                self._postings.setdefault(lookup, []).append((i, anchor))
        #: the longest anchor key: a text word's deletions can only meet anchors when it is at most
        #: one letter longer, and a word over four times longer never scores ``ANCHOR_SCORE`` (its
        #: letters' similarity stays under 0.4): such words are not looked up, which also bounds
        #: the work a hostile 100,000-letter "word" costs.
        self.longest_anchor = max(
            (len(a.keys[i]) for a, i in zip(aliases, self.anchors, strict=True) if i is not None), default=0
        )
        self._cache: dict[str, tuple[Groups, Groups]] = {}
        self._by_word = _ByWord(self)
        self._around: dict[tuple[int, tuple[str, ...], tuple[bool, ...], tuple[bool, ...]], Found] = {}

    def hits(self, k: str) -> tuple[Groups, Groups]:
        """Aliases whose anchor word looks like the text word with key ``k``, remembered.

        Grouped by (alias length in words, anchor position): aliases of one
        group are scored against the same windows of text. The second part
        holds proper nouns, which only a capitalised word can anchor.
        """
        found = self._cache.get(k)
        if found is not None:
            return found
        groups: dict[tuple[int, int, bool], set[int]] = {}
        bones = skeleton(k)
        for lookup in _lookups(k, deletions=len(k) <= self.longest_anchor + 1):
            for alias_id, anchor in self._postings.get(lookup, ()):
                alias = self._aliases[alias_id]
                if similarity(k, bones, alias.keys[anchor], skeleton(alias.keys[anchor])) >= ANCHOR_SCORE:
                    groups.setdefault((len(alias.keys), anchor, alias.proper), set()).add(alias_id)
        anywhere, capitalised = (
            tuple(
                ((size, anchor), tuple(sorted(ids)))
                for (size, anchor, cap), ids in sorted(groups.items())
                if cap == part
            )
            for part in (False, True)
        )
        if len(self._cache) >= CACHE_WORDS:
            self._cache.clear()
        self._cache[k] = (anywhere, capitalised)
        return anywhere, capitalised

    def probes(self, text_words: list[str], covered: set[int], cased: list[str]) -> list[tuple[int, Groups]]:
        """Words of a text worth a fuzzy look, with the aliases they hit.

        Words in ``covered`` already belong to an exact match, which always
        wins over a fuzzy one: they are left out.
        """
        found = list(map(self._by_word.__getitem__, text_words))
        out = []
        for pos, hit in compress(enumerate(found), found):
            if hit is None or pos in covered:
                continue
            anywhere, capitalised = hit
            if capitalised and cased[pos][0].isupper():
                out.append((pos, anywhere + capitalised))
            elif anywhere:
                out.append((pos, anywhere))
        return out

    def find(
        self,
        probes: list[tuple[int, Groups]],
        text_words: list[str],
        keys: list[str],
        covered: set[int],
        cased: list[str],
    ) -> Iterator[Candidate]:
        """Fuzzy candidates: around each probe, the best window of each alias it hits.

        A window never touches a ``covered`` word, and a window for a proper
        noun needs a word capitalised in the text (``cased``: the words with their case).
        """
        text: _Text | None = None
        memory = self._around
        last = len(text_words)
        for pos, groups in probes:
            # What a probe finds depends only on the words around it (the widest window of its
            # aliases), their capitals and which of them exact matches took: news phrases repeat.
            reach = max(size for (size, _), _ in groups)
            low, high = max(0, pos - reach), min(last, pos + reach + 1)
            seen = (
                pos - low,
                tuple(text_words[low:high]),
                tuple([w[0].isupper() for w in cased[low:high]]),
                tuple([i in covered for i in range(low, high)]) if covered else (),
            )
            found = memory.get(seen)
            if found is None:
                if text is None:
                    text = _Text(text_words, keys, covered, cased)
                found = tuple(
                    (c.start - low, c.end - low, c.alias, c.score)
                    for c in self._around_probe(text, pos, groups)
                )
                if len(memory) >= CACHE_PHRASES:
                    memory.clear()
                memory[seen] = found
            for start, end, alias_id, score in found:
                yield Candidate(low + start, low + end, alias_id, score)

    def _around_probe(self, text: _Text, pos: int, groups: Groups) -> Iterable[Candidate]:
        best: dict[int, Candidate] = {}
        aliases = self._aliases
        for (size, anchor), alias_ids in groups:
            for length in (size, size - 1, size + 1):
                if length < 1:
                    continue
                # Windows that hold the word, with the anchor at about its place in the alias.
                low = max(0, pos - anchor - 1, pos - length + 1)
                for start in range(low, min(pos - anchor + 1, pos, text.size - length) + 1):
                    window = text.window(start, start + length)
                    if window is None or (length > size and not window.particle):
                        continue
                    for alias_id in alias_ids:
                        candidate = window.score(alias_id, aliases[alias_id])
                        if candidate is not None and _better(candidate, best.get(alias_id)):
                            best[alias_id] = candidate
        return best.values()


def _longer(groups: Groups) -> Groups:
    """The groups of aliases of more than one word."""
    return tuple(g for g in groups if g[0][0] > 1)


class _ByWord(dict[str, "tuple[Groups, Groups] | None"]):
    """Text word → what it hits (``None`` for nothing), so a text costs one lookup per word."""

    def __init__(self, index: FuzzyIndex):
        super().__init__()
        self._index = index

    def __missing__(self, word: str) -> tuple[Groups, Groups] | None:
        k = key(word)
        found: tuple[Groups, Groups] | None = None
        index = self._index
        if MIN_ANCHOR_CHARS <= len(k) <= 4 * index.longest_anchor and word not in COMMON_WORDS:
            anywhere, capitalised = index.hits(k)
            if word in EVERYDAY_WORDS:  # only inside a longer name: Syrian Democratic Force
                anywhere, capitalised = _longer(anywhere), _longer(capitalised)
            if anywhere or capitalised:
                found = (anywhere, capitalised)
        if len(self) >= CACHE_WORDS:
            self.clear()
        self[word] = found
        return found


class _Text:
    """One text's words and keys, and the windows of them already prepared."""

    def __init__(self, text_words: list[str], keys: list[str], covered: set[int], cased: list[str]):
        self.words = text_words
        self.keys = keys
        self.size = len(keys)
        self.covered = covered
        self.cased = cased
        self._windows: dict[tuple[int, int], _Window | None] = {}

    def window(self, start: int, end: int) -> _Window | None:
        """Words ``start:end`` ready to score, or ``None`` if no alias may match them."""
        span = (start, end)
        if span not in self._windows:
            ws = self.words[start:end]
            usable = not (
                (self.covered and not self.covered.isdisjoint(range(start, end)))
                or all(w in COMMON_WORDS for w in ws)
                or (end - start == 1 and ws[0] in EVERYDAY_WORDS)
            )
            joined = "".join(self.keys[start:end])
            self._windows[span] = (
                _Window(start, end, joined, ws, self.keys[start:end], self.cased[start:end])
                if usable and len(joined) >= MIN_VARIANT_CHARS
                else None
            )
        return self._windows[span]


class _Window:
    """A run of whole text words and what the scorer compares of it (skeletons when needed)."""

    def __init__(self, start: int, end: int, joined: str, ws: list[str], keys: list[str], cased: list[str]):
        self.start, self.end = start, end
        self.joined = joined
        self.plain = "".join(ws)
        self._ws, self._keys = ws, keys
        self._key_bones: str | None = None
        self._plain_bones: str | None = None
        self.capitalised = any(w[0].isupper() for w in cased)
        #: a word of a particle's length: only then may the window have a word more than the alias
        #: (Bou Kamal for Boukamal, Deir ez Zor for Deir Zor); not a common word: "à Roissy" is
        #: not a spelling of Arosia
        self.particle = any(len(w) <= MAX_PARTICLE_CHARS and w not in COMMON_WORDS for w in ws)

    def score(self, alias_id: int, alias: Alias) -> Candidate | None:
        """The fuzzy candidate of this window for ``alias``, if they are close enough."""
        if alias.proper and not self.capitalised:
            return None
        if self.joined == alias.joined:  # the same key, cut into words differently (Deir ez Zor)
            return Candidate(self.start, self.end, alias_id, KEY_SCORE)
        if _derived(self.joined, alias.joined):
            return None
        # The letters must be alike enough that even identical skeletons could reach the threshold.
        need = (alias.threshold / 100 - SKELETON_WEIGHT) / (1 - SKELETON_WEIGHT)
        score = 0.0
        plain = Indel.normalized_similarity(self.joined, alias.joined, score_cutoff=need)
        if plain:
            if self._key_bones is None:
                self._key_bones = "".join(skeletons_of(self._keys))
            score = _blend(plain, Indel.normalized_similarity(self._key_bones, alias.key_bones))
        if score < alias.threshold:
            # Keys meet more variants; plain words keep the letters that tell them apart (Hizbullah).
            plain = Indel.normalized_similarity(self.plain, alias.plain, score_cutoff=need)
            if plain:
                if self._plain_bones is None:
                    self._plain_bones = "".join(skeletons_of(self._ws))
                score = max(
                    score, _blend(plain, Indel.normalized_similarity(self._plain_bones, alias.plain_bones))
                )
        if score < alias.threshold or _other_ending(self.joined, alias.joined):
            return None
        # Fuzzy scores stay below transliteration-equal ones, so ranking by score ranks by kind.
        return Candidate(self.start, self.end, alias_id, round(min(score, FUZZY_CAP), 1))
