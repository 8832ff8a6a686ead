"""Search text: folded like the matching engine reads it, lightly stemmed, tokenised.

The console may not import the matching engine, so it folds with ``unicodedata`` the same
way in spirit: accents off (NFKD, combining marks dropped), case folded, apostrophes and
dashes between words, the letters NFKD leaves alone (œ, ß…) spelled out. Words are then
stemmed by a small French/English suffix rule (plural ``-s``/``-x``, a final ``-e``,
``-ies`` → ``-y``) applied alike at index and at query time, so "frappes" finds "frappe"
and "strikes" finds "strike".
"""

from __future__ import annotations

import re
import unicodedata

_LETTERS = {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ß": "ss"}
#: Transliteration marks (ʿayn, hamza) and invisible joiners sit inside words: dropped.
_JOINERS = dict.fromkeys(map(ord, "ʿʾ\u00ad\u200b\u200c\u200d"), None)
_WORD = re.compile(r"[^\W_]+")


def fold_char(char: str) -> str:
    """One character without accent, case folded; may be empty (a combining mark) or longer (ß)."""
    out = []
    for c in unicodedata.normalize("NFKD", char.translate(_JOINERS)):
        if unicodedata.combining(c):
            continue
        c = c.casefold()
        out.append(_LETTERS.get(c, c))
    return "".join(out)


def fold(text: str) -> str:
    """``text`` without accents, case folded: "Frappes aériennes à Idleb" → "frappes aeriennes a idleb"."""
    return "".join(fold_char(c) for c in text)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each of its characters, the index in ``text`` it came from."""
    chars: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        f = fold_char(c)
        chars.append(f)
        where.extend([i] * len(f))
    return "".join(chars), where


def stem(word: str) -> str:
    """A folded word reduced by the console's small FR/EN suffix rule."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """The folded words of ``text``, unstemmed."""
    return _WORD.findall(fold(text))


def terms(text: str) -> list[str]:
    """The stemmed, folded words of ``text``: what the full-text index stores and queries."""
    return [stem(w) for w in words(text)]


def index_text(*parts: str) -> str:
    """One indexable string from several texts."""
    return " ".join(" ".join(terms(p)) for p in parts if p)


def find_spans(text: str, needle: str) -> list[tuple[int, int]]:
    """Where ``needle`` occurs in ``text``, accent- and case-insensitively, as (start, end) of ``text``.

    Matches start and end on word boundaries of the folded text.
    """
    folded_needle = " ".join(words(needle))
    if not folded_needle:
        return []
    folded, where = fold_with_offsets(text)
    # the needle's words with any run of non-word characters between them
    pattern = re.compile(
        r"(?<![^\W_])" + r"[\W_]+".join(re.escape(w) for w in folded_needle.split()) + r"(?![^\W_])"
    )
    spans = []
    for m in pattern.finditer(folded):
        if m.end() > m.start():
            spans.append((where[m.start()], where[m.end() - 1] + 1))
    return spans


def segments(text: str, needles: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, highlighted) pairs, the pieces that match any of ``needles`` marked."""
    spans = sorted({s for n in needles for s in find_spans(text, n)})
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[tuple[str, bool]] = []
    at = 0
    for start, end in merged:
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out
