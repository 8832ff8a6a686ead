"""Normalisation shared by the alias index and the texts it reads.

Two levels, applied the same way to watchlist spellings and to wire copy:

* ``normalise(text)`` → ``Normalised``: accent-folded (``folding``), lowercased
  words with French elisions (l', d', qu'…) and Arabic articles (al-, el-,
  ash-…) dropped, an apostrophe that writes an ʿayn or a hamza inside a name
  taken out (Dar'a is ``dara``), and a map from each word back to its
  character span in the original text. ``normalised_text`` also keeps a cased
  copy, whose words line up with the lowercased ones, so the engine can tell
  proper nouns.
* ``key(word)``: a transliteration key where the usual French/English spelling
  pairs meet (ch/sh, ou/u, dj/j, kh/h, q/k, e/a before a doubled a, doubled
  letters, final e…), so Daech/Daesh, Konachenkov/Konashenkov and Deraa/Daraa
  are equal before any scoring.
  ``skeleton(key)`` drops inner vowels, so vowel drift (Idleb/Idlib,
  Nosra/Nusra) meets too; the fuzzy scorer weighs both.

Called once per alias when an engine is built and once per text by
``Engine.evaluate``; the fast path keeps offsets identical to the original
text, so most texts need no offset map at all (a text with a transliteration
mark gets one: its word closes up over the mark).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from processors.matching.folding import HYPHENS, fold

#: French elisions (l', qu'…) and Arabic articles (al-, ash-…) dropped before a word.
ELIDED = "l|d|qu|s|n|j|c|m|t|jusqu|lorsqu|puisqu|presqu|quelqu|quoiqu"
ARTICLES = "al|el|ad|ed|az|ez|as|es|ash|esh|ach|ech|an|ar|er|at|et|ath|dh|ul|ud"
#: Article words dropped even without a dash (Front Al Nosra, Deir ez Zor).
ARTICLE_WORDS = ("al", "el", "ez", "az", "ech", "esh")
#: English clitics after an apostrophe (Assad's, don't, they're, I'd): the apostrophe ends a word.
CLITICS = "s|t|d|m|re|ve|ll"


def _reversed(alternatives: str) -> str:
    return "|".join(sorted((a[::-1] for a in alternatives.split("|")), key=len, reverse=True))


# Elisions (l'…) and dashed articles (al-…) are matched on the reversed text, where the
# pattern starts with the apostrophe or dash: the regex engine then skips ahead to those
# characters instead of trying every position. A dropped prefix must start a word and be
# followed by a letter; apostrophes and dashes count as word breaks, as they do once
# replaced by spaces, which is what makes normalising twice a no-op.
_DROPPED_REVERSED = re.compile(
    rf"(?:'(?<=\w')(?:{_reversed(ELIDED)})|-(?<=\w-)(?:{_reversed(ARTICLES)}))(?!\w)", re.IGNORECASE
)
_ARTICLE_BEFORE = re.compile(
    rf"(?<![^\W_])(?:(?:{ARTICLES})[{HYPHENS}]|(?:{'|'.join(ARTICLE_WORDS)}) )\Z", re.IGNORECASE
)

#: Applied in order to one word: the spelling pairs French and English wires use.
KEY_PAIRS = (
    ("sch", "sh"),
    ("ch", "sh"),
    ("dj", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("qu", "k"),
    ("q", "k"),
    ("ck", "k"),
    ("w", "u"),
    ("ou", "u"),
    ("y", "i"),
    # French e for the a before a long ā or an ʿayn, written as a doubled a: Deraa for Daraa.
    *((f"e{c}aa", f"a{c}aa") for c in "bcdfghjklmnprstvxz"),
)
_DOUBLED = re.compile(r"(.)\1+")
#: An apostrophe between letters or digits (Dar'a, aujourd'hui, Assad's), and what follows it;
#: the pattern starts with the apostrophe so the regex engine skips ahead to those.
_INNER_APOSTROPHE = re.compile(r"'(?<=[^\W_]')(?=[^\W_])")
_PIECE = re.compile(r"[^\W_]+")
_CLITICS = frozenset(CLITICS.split("|"))
_INNER_VOWELS = re.compile(r"(?<=.)[aeiou]+")


@dataclass(frozen=True)
class Normalised:
    """A text's words after normalisation, and where each one is in the original.

    ``words[i]`` spans ``text[starts[i]:ends[i]]`` of the original text.
    """

    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def _marks(folded: str) -> list[int]:
    """Where ``folded`` has an apostrophe that is a transliteration mark, in text order.

    An apostrophe between letters of a capitalised word stands for an ʿayn or
    a hamza (Dar'a, Ma'arrat al-Nu'man, Sana'a): the word goes on. Elsewhere
    (aujourd'hui in lower case, before an English clitic: Assad's, Don't) it ends the word.
    """
    kept: list[int] = []
    piece_end = -1
    capital = False
    for m in _INNER_APOSTROPHE.finditer(folded):
        at = m.start()
        if at != piece_end:  # a new run of letters: whether it starts with a capital
            start = at
            while start and folded[start - 1].isalnum():
                start -= 1
            capital = folded[start].isupper()
        piece = _PIECE.match(folded, at + 1)
        assert piece is not None  # the pattern looked ahead for it
        piece_end = piece.end()
        if capital and piece.group().lower() not in _CLITICS:
            kept.append(at)
        else:  # the word ends: the piece after it starts the next one
            capital = folded[at + 1].isupper()
    return kept


def _close_marks(
    folded: str, kept: list[int], origin: list[int] | None, length: int
) -> tuple[str, list[int]]:
    """``folded`` (apostrophes and dashes already spaces) with each word closed up over its marks
    at ``kept`` (Dar a → Dara), the space a mark took moved after its word, so lengths stay;
    and where each character is in the original text (``length`` long)."""
    where = list(range(len(folded))) if origin is None else list(origin)
    for at in reversed(kept):
        end = folded.find(" ", at + 1)
        if end == -1:
            end = len(folded)
        folded = folded[:at] + folded[at + 1 : end] + " " + folded[end:]
        where[at:end] = [*where[at + 1 : end], where[end] if end < len(where) else length]
    return folded, where


def normalised_text(text: str) -> tuple[str, str, list[int] | None]:
    """The folded text with elisions and articles blanked, apostrophes and dashes as spaces.

    Returns it with case kept, then lowercased (same length, same spaces, so
    their ``split()`` words line up), and the origin map of ``fold``, or one
    of its own when a transliteration mark was taken out of a word (Dar'a).
    """
    folded, origin = fold(text)
    if "'" in folded or "-" in folded:
        folded = _DROPPED_REVERSED.sub(_blank, folded[::-1])[::-1]
        kept = _marks(folded) if "'" in folded else []
        folded = folded.replace("'", " ").replace("-", " ")
        if kept:
            folded, origin = _close_marks(folded, kept, origin, len(text))
    lower = folded.lower()
    for word in ARTICLE_WORDS:
        padded = f" {lower} "
        at = padded.find(f" {word} ")
        while at != -1:  # the same blanks in both strings keep their words lined up
            blank = " " * len(word)
            lower = lower[:at] + blank + lower[at + len(word) :]
            folded = folded[:at] + blank + folded[at + len(word) :]
            at = f" {lower} ".find(f" {word} ", at + len(word))
    return folded, lower, origin


class WordSpans:
    """Where each word of a ``normalised_text`` is in the original text, worked out on demand."""

    def __init__(self, flat: str, origin: list[int] | None, length: int):
        starts: list[int] = []
        lengths: list[int] = []
        at = 0
        for piece in flat.split(" "):  # flat separates words with plain spaces only
            size = len(piece)
            if size:
                starts.append(at)
                lengths.append(size)
            at += size + 1
        self._starts = starts
        self._lengths = lengths
        self._origin = origin
        self._length = length

    def __getitem__(self, i: int) -> tuple[int, int]:
        """Original ``(start, end)`` of word ``i``."""
        start = self._starts[i]
        end = start + self._lengths[i]
        origin = self._origin
        if origin is None:
            return start, end
        # A word ends where the next kept character starts, so trailing accents stay in its span,
        # but at least past its last character (¼ folds to two words within one character).
        return origin[start], max(origin[end] if end < len(origin) else self._length, origin[end - 1] + 1)

    def __len__(self) -> int:
        return len(self._starts)


#: Remembered five-character prefixes before a match (``with_article``) before that memory starts again.
ARTICLE_MEMORY = 20_000
#: Remembered word keys and skeletons before those memories start again.
WORD_MEMORY = 200_000

# The memories below are dicts whose ``__missing__`` fills them, so a hit costs one C-level lookup.


class _ArticleTable(dict[str, int]):
    """Five characters before a match → how many of them are its dropped article, on first sight."""

    def __missing__(self, before: str) -> int:
        if len(self) >= ARTICLE_MEMORY:
            self.clear()
        m = _ARTICLE_BEFORE.search(before)
        value = self[before] = len(before) - m.start() if m else 0
        return value


_ARTICLE_LENGTHS = _ArticleTable()


def with_article(text: str, start: int) -> int:
    """Where a match that starts at ``start`` really starts: before its dropped article (Al-Qaïda)."""
    return start - _ARTICLE_LENGTHS[text[max(0, start - 5) : start]]


def normalise(text: str) -> Normalised:
    """Words of ``text`` with their original spans (for tests and explanations)."""
    _, flat, origin = normalised_text(text)
    ws = flat.split()
    spans = WordSpans(flat, origin, len(text))
    pairs = [spans[i] for i in range(len(ws))]
    return Normalised(tuple(ws), tuple(s for s, _ in pairs), tuple(e for _, e in pairs))


def words(text: str) -> list[str]:
    """Just the normalised words of ``text`` (the hot path: no spans)."""
    return normalised_text(text)[1].split()


class _KeyTable(dict[str, str]):
    """Word → key, filled on first sight; emptied when it grows past ``WORD_MEMORY``."""

    def __missing__(self, word: str) -> str:
        if len(self) >= WORD_MEMORY:
            self.clear()
        value = self[word] = key(word)
        return value


_KEYS = _KeyTable()


def keys_of(ws: list[str]) -> list[str]:
    """Keys of many words, remembered across texts (news vocabulary repeats)."""
    return list(map(_KEYS.__getitem__, ws))


class _SkeletonTable(_KeyTable):
    def __missing__(self, word: str) -> str:
        if len(self) >= WORD_MEMORY:
            self.clear()
        value = self[word] = skeleton(word)
        return value


_SKELETONS = _SkeletonTable()


def skeletons_of(ws: list[str]) -> list[str]:
    """Skeletons of many words (or keys), remembered across texts."""
    return list(map(_SKELETONS.__getitem__, ws))


def key(word: str) -> str:
    """Transliteration key of one normalised word.

    ``daech`` → ``daesh``, ``konachenkov`` → ``konashenkov``, ``poutine`` → ``putin``,
    ``deraa`` and ``daraa`` → ``dara``,
    ``moscow`` → ``moscu``, ``hassake`` and ``hasakah`` → ``hasak``; ``idleb`` stays
    ``idleb`` (vowel drift is the skeleton's job).
    """
    k = word
    while True:  # until nothing changes, so that key(key(w)) == key(w)
        before = k
        for old, new in KEY_PAIRS:
            if old in k:
                k = k.replace(old, new)
        k = _DOUBLED.sub(r"\1", k)
        # Arabic tāʾ marbūṭa comes out as -a, -ah, -e, -eh, -é: Hasakah/Hassaké, Latakia/Lattaquié.
        if len(k) > 4 and k[-1] == "h" and k[-2] in "aeiou":
            k = k[:-1]
        if (len(k) > 4 and k[-1] == "e") or (len(k) > 5 and k[-1] == "a"):
            k = k[:-1]
        if k == before:
            return k


def skeleton(k: str) -> str:
    """``k`` without its inner vowels: ``idleb`` and ``idlib`` both give ``idlb``."""
    return _INNER_VOWELS.sub("", k)
