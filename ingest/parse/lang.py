"""French or English? The declared language when there is one, else a stopword count.

A full language identifier is overkill for two languages this far apart: the
most frequent function words tell them apart on a headline plus a sentence,
and when they do not (too few words, a mixed text) the answer is ``None``.
"""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["fr", "en"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words frequent in one language and rare in the other ("a", "on", "as", "son"
# are words in both, so they are left out).
_FR = _words(
    """le la les des du de et est une un dans pour que qui sur au aux par pas ne se ce cette ces
    il elle ils elles ont été avec sont être leur leurs mais où selon après contre entre lors
    depuis vers sans sous nous vous d l qu j y aussi fait très dont ainsi alors
    même deux trois comme été avait était ministre président"""
)
_EN = _words(
    """the of and to in is that for with was by at from it an be are has have his her their
    not this which were been after said will would its who they than into over about after
    more also there when while against between under during could should what two three"""
)
_WORD = re.compile(r"[a-zàâäçéèêëîïôöùûüÿœæ]+")
#: Words read from the start of the text; enough to decide, bounded for long summaries.
_WINDOW = 120


def normalise_lang(tag: object) -> Lang | None:
    """``fr-FR`` → ``fr``, ``en_US`` → ``en``; anything else (or nothing) → None."""
    if not isinstance(tag, str):
        return None
    base = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in ("fr", "en") else None  # type: ignore[return-value]


def detect_lang(text: str) -> Lang | None:
    """The language of ``text`` when its function words say so clearly, else None.

    Needs at least two hits and twice as many as the other language.
    """
    fr = en = 0
    for n, match in enumerate(_WORD.finditer(text.lower())):
        if n >= _WINDOW:
            break
        word = match.group()
        if word in _FR:
            fr += 1
        elif word in _EN:
            en += 1
    if fr >= 2 and fr >= 2 * en:
        return "fr"
    if en >= 2 and en >= 2 * fr:
        return "en"
    return None
