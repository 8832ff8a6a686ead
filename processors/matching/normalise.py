"""Normalisation shared by the alias index and the texts it reads.

Two levels, applied the same way to watchlist spellings and to wire copy:

* ``normalise(text)`` → ``Normalised``: accent-folded, casefolded words with
  French elisions (l', d', qu'…) and Arabic articles (al-, el-, ash-…) dropped,
  and a map from each word back to its character span in the original text.
* ``key(word)``: a transliteration key where the usual French/English spelling
  pairs meet (ch/sh, ou/u, dj/j, kh/h, q/k, doubled letters, final e…), so
  Daech/Daesh and Konachenkov/Konashenkov are equal before any scoring.
  ``skeleton(key)`` drops inner vowels, so vowel drift (Idleb/Idlib,
  Nosra/Nusra) meets too; the fuzzy scorer weighs both.

Called once per alias when an engine is built and once per text by
``Engine.evaluate``; the fast path keeps offsets identical to the original
text, so most texts need no offset map at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import islice

APOSTROPHES = "'’ʼ`‘´′ʹ＇‛"
HYPHENS = "-‐‑‒–—―−﹣－⁃"
#: Transliteration marks for ʿayn/hamza and the soft hyphen live *inside* words (Qāʿida): dropped.
JOINERS = "ʿʾ\u00ad\u200b\u200c\u200d"
#: Letters NFKD does not decompose.
LETTERS = {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}

#: Marks a character whose fold is not exactly one character (ß→ss, œ→oe, combining marks).
_SLOW = "\x00"

_ELIDED = r"(?:l|d|qu|s|n|j|c|m|t|jusqu|lorsqu|puisqu|presqu|quelqu|quoiqu)'(?=\w)"
_ARTICLES = "al|el|ad|ed|az|ez|as|es|ash|esh|ach|ech|an|ar|er|at|et|ath|dh|ul|ud"
_ARTICLE = rf"(?:{_ARTICLES})-(?=\w)"
_ARTICLE_WORD = r"(?:al|el|ez|az|ech|esh)(?!\w)"
# Apostrophes and dashes count as word breaks here, as they do once replaced by spaces:
# that is what makes normalising the output of normalisation a no-op.
_DROPPED = re.compile(rf"(?<!\w)(?:{_ELIDED}|{_ARTICLE}|{_ARTICLE_WORD})")
_ARTICLE_BEFORE = re.compile(
    rf"(?<![^\W_])(?:(?:{_ARTICLES})[{HYPHENS}]|(?:al|el|ez|az|ech|esh) )\Z", re.IGNORECASE
)

#: Applied in order to one word: the spelling pairs French and English wires use.
_KEY_PAIRS = (
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
)
_DOUBLED = re.compile(r"(.)\1+")
_INNER_VOWELS = re.compile(r"(?<=.)[aeiou]+")


def fold_char(char: str) -> str:
    """One character folded: lowercase, no accent; ``'`` for apostrophes, ``-`` for dashes.

    Returns ``""`` for marks that join (combining accents, ʿ), ``" "`` for
    anything that is not a letter or digit, and possibly several letters (ß).
    """
    if char in APOSTROPHES:
        return "'"
    if char in HYPHENS:
        return "-"
    if char in JOINERS:
        return ""
    folded = char
    while True:  # until stable: some compatibility forms decompose to capitals (ᴱ → E)
        again = "".join(
            LETTERS.get(c, c)
            for c in unicodedata.normalize("NFKD", folded.casefold())
            if not unicodedata.combining(c)
        )
        if again == folded:
            break
        folded = again
    return "".join(c if c.isalnum() else " " for c in folded)


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        value = folded if len(folded) == 1 else _SLOW
        self[code] = value
        return value


_FOLD = _FoldTable()


@dataclass(frozen=True)
class Normalised:
    """A text's words after normalisation, and where each one is in the original.

    ``words[i]`` spans ``text[starts[i]:ends[i]]`` of the original text.
    """

    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def fold(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text`` character by character, keeping ``'`` and ``-``.

    Returns the folded string and, only when some character did not fold to
    exactly one character, the original index of every folded character
    (``None`` means the indexes are the same).
    """
    folded = text.translate(_FOLD)
    if _SLOW not in folded:
        return folded, None
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = fold_char(char)
        chars.append(piece)
        origin.extend([index] * len(piece))
    return "".join(chars), origin


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def normalised_text(text: str) -> tuple[str, list[int] | None]:
    """The folded text with elisions and articles blanked, apostrophes and dashes as spaces.

    Same length as ``fold(text)``; returns it with the same origin map.
    """
    folded, origin = fold(text)
    folded = _DROPPED.sub(_blank, folded)
    return folded.replace("'", " ").replace("-", " "), origin


_WORD = re.compile(r"\S+")


def word_spans(flat: str, origin: list[int] | None, length: int, count: int) -> list[tuple[int, int]]:
    """Original ``(start, end)`` of the first ``count`` words of ``flat`` (a ``normalised_text``).

    ``length`` is the original text's length.
    """
    out = []
    for m in islice(_WORD.finditer(flat), count):
        if origin is None:
            out.append((m.start(), m.end()))
        else:
            # A word ends where the next kept character starts, so trailing accents stay in its span.
            end = origin[m.end()] if m.end() < len(origin) else length
            # …but at least past its last character (¼ folds to two words within one character).
            out.append((origin[m.start()], max(end, origin[m.end() - 1] + 1)))
    return out


def with_article(text: str, start: int) -> int:
    """Where a match that starts at ``start`` really starts: before its dropped article (Al-Qaïda)."""
    m = _ARTICLE_BEFORE.search(text, max(0, start - 5), start)
    return m.start() if m else start


def normalise(text: str) -> Normalised:
    """Words of ``text`` with their original spans (for tests and explanations)."""
    flat, origin = normalised_text(text)
    ws = flat.split()
    spans = word_spans(flat, origin, len(text), len(ws))
    return Normalised(tuple(ws), tuple(s for s, _ in spans), tuple(e for _, e in spans))


def words(text: str) -> list[str]:
    """Just the normalised words of ``text`` (the hot path: no spans)."""
    return normalised_text(text)[0].split()


class _KeyTable(dict[str, str]):
    """Word → key, filled on first sight; emptied when it grows past ``limit``."""

    limit = 200_000

    def __missing__(self, word: str) -> str:
        if len(self) >= self.limit:
            self.clear()
        value = self[word] = key(word)
        return value


_KEYS = _KeyTable()


def keys_of(ws: list[str]) -> list[str]:
    """Keys of many words, remembered across texts (news vocabulary repeats)."""
    return list(map(_KEYS.__getitem__, ws))


def key(word: str) -> str:
    """Transliteration key of one normalised word.

    ``daech`` → ``daesh``, ``konachenkov`` → ``konashenkov``, ``poutine`` → ``putin``,
    ``moscow`` → ``moscu``, ``hassake`` and ``hasakah`` → ``hasak``; ``idleb`` stays
    ``idleb`` (vowel drift is the skeleton's job).
    """
    k = word
    while True:  # until nothing changes, so that key(key(w)) == key(w)
        before = k
        for old, new in _KEY_PAIRS:
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
