"""Character folding: accents off, apostrophes and dashes unified, punctuation to spaces.

The first step of ``normalise``, run on every text the engine reads, so it
has fast paths: ASCII text goes through one ``str.translate``, Latin-1 text
(most French copy) through one ``bytes.translate``; only texts with a
character that does not fold to exactly one character (ß, œ, combining
accents, ʿ) pay for an offset map. Case is kept here (the engine needs to
know which words were capitalised); ``str.lower`` of the result is
guaranteed to keep its length.
"""

from __future__ import annotations

import unicodedata

APOSTROPHES = "'’ʼ`‘´′ʹ＇‛"
HYPHENS = "-‐‑‒–—―−﹣－⁃"
#: Transliteration marks for ʿayn/hamza and invisible joiners live *inside* words (Qāʿida): dropped.
JOINERS = "ʿʾ\u00ad\u200b\u200c\u200d"
#: Letters NFKD does not decompose.
LETTERS = {
    "œ": "oe",
    "Œ": "OE",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "TH",
    "ı": "i",
    "ħ": "h",
    "ß": "ss",
    "ẞ": "SS",
}

#: Marks a character whose fold is not exactly one character (ß→ss, œ→oe, combining marks).
SLOW = "\x00"


def _decompose(text: str) -> str:
    return "".join(
        LETTERS.get(c, c) for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )


def fold_char(char: str) -> str:
    """One character folded, case kept: no accent; ``'`` for apostrophes, ``-`` for dashes.

    Returns ``""`` for marks that join (combining accents, ʿ), ``" "`` for
    anything with no letter or digit, and possibly several characters (ß → ss).
    Lowercasing the result never changes its length, and folding the
    lowercased result again changes nothing.
    """
    folded = _decompose(char)
    for _ in range(4):  # some compatibility forms lowercase to letters that decompose again
        lower = folded.lower()
        if len(lower) == len(folded) and _decompose(lower) == lower:
            break
        folded = _decompose(lower)
    out = "".join(_one(c) for c in folded)
    if not out:  # a combining mark on its own: part of the letter before it
        return ""
    if out.strip(" ") == "" or (len(out) > 1 and not any(c.isalnum() for c in out)):
        return " "
    return out


def _one(c: str) -> str:
    if c in APOSTROPHES:
        return "'"
    if c in HYPHENS:
        return "-"
    if c in JOINERS:
        return ""
    return c if c.isalnum() else " "


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        value = folded if len(folded) == 1 else SLOW
        self[code] = value
        return value


_FOLD = _FoldTable()

#: Latin-1 as one byte table, for the ``bytes.translate`` path.
_LATIN1 = bytes(ord(f) if len(f := fold_char(chr(i))) == 1 and ord(f) < 256 else 0 for i in range(256))
#: Frequent characters outside Latin-1 that fold to one Latin-1 character (’ – — …).
_TO_LATIN1 = {c: f for c in "’‘‛ʼ–—―‐‑−…«»“”„•·" if len(f := fold_char(c)) == 1 and ord(f) < 256}


def _fast(text: str) -> str:
    """The fold, one character per character, with ``SLOW`` where that is not possible."""
    if text.isascii():
        return text.translate(_FOLD)
    s = text
    for char, folded in _TO_LATIN1.items():
        if char in s:
            s = s.replace(char, folded)
    try:
        raw = s.encode("latin-1")
    except UnicodeEncodeError:
        return text.translate(_FOLD)
    return raw.translate(_LATIN1).decode("latin-1")  # SLOW is byte 0


def fold(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text`` character by character, keeping case, ``'`` and ``-``.

    Returns the folded string and, only when some character did not fold to
    exactly one character, the original index of every folded character
    (``None`` means the indexes are the same).
    """
    folded = _fast(text)
    if SLOW not in folded:
        return folded, None
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = fold_char(char)
        chars.append(piece)
        origin.extend([index] * len(piece))
    return "".join(chars), origin
