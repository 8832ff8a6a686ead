"""Capitals that stand for governments: "Damascus denied…" is the government speaking.

Called by ``Engine`` for each match of a region that declares ``stands_for``
(an actor of the watchlist). When the place is the subject of a speech or
decision verb ("Damascus denied", "Damas a démenti", "Ankara summoned") or
its object ("accused Damascus", "a averti Damas", "», a affirmé Damas"), the
match counts as that actor, not as the place; otherwise it stays the place
("strikes near Damascus", "Damascus University").

The verbs are a short list in both languages, matched on the folded,
lowercased words next to the name (accents and capitals aside).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from processors.matching.folding import APOSTROPHES

#: How far after the name its verb may stand, and how far before it (characters).
REACH = 64
REACH_BEFORE = 32

_EN_SAYS = (
    "said says say denied denies accused accuses summoned summons warned warns announced announces "
    "condemned condemns rejected rejects claimed claims insisted insists responded replied retorted "
    "threatened threatens vowed vows blamed blames dismissed dismisses urged urges demanded demands "
    "protested protests confirmed confirms stated states declared declares welcomed welcomes "
    "recalled recalls expelled expels refused refuses called calls charged charges"
)
# Verb forms a French subject takes, present or past participle after an auxiliary (a, avait…).
_FR_SAYS = (
    "declare dit dementi dement dementait accuse accusait convoque averti avertit annonce annoncait "
    "condamne condamnait affirme affirmait rejete rejette denonce menace nie niait reagi reagit "
    "estime assure repondu repond proteste reclame exige confirme indique souligne rappele rappelle "
    "expulse refuse appele appelle exhorte qualifie"
)
_FR_PHRASES = ("mis en garde", "met en garde", "fait savoir", "pris acte")
# Verbs whose object is the government: "accused Damascus", "a averti Damas".
_EN_AT = (
    "accused accuses accusing warned warns warning condemned condemns condemning blamed blames "
    "blaming urged urges urging pressed pressing criticised criticized denounced sanctioned told"
)
_FR_AT = (
    "accuse accusent accusant averti avertit condamne condamnent denonce denoncent exhorte somme critique"
)
_FR_AT_PHRASES = ("mis en garde", "met en garde", "mettant en garde", "appelle", "appele")
# Said after a quote or a comma, with the speaker after the verb: "», a affirmé Damas".
_FR_INVERTED = (
    "declare affirme dementi dement annonce indique assure estime reagi repondu ajoute souligne precise"
)

_DAYS = (
    "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi "
    "dimanche today yesterday tonight hier aujourd'hui soir matin"
)
# Words that may stand between the name and its verb: auxiliaries, adverbs, a day.
_BETWEEN = (
    "has had have would will also again quickly swiftly promptly immediately officially formally "
    "strongly firmly flatly categorically repeatedly publicly later then on late early "
    "a avait aurait ont a-t-il aussi egalement aussitot immediatement officiellement formellement "
    "fermement categoriquement vivement publiquement encore deja de nouveau le ce "
) + _DAYS
_ASIDE = "for its part|in turn|however|meanwhile|pour sa part|de son cote|quant a elle|quant a lui|lui|elle"


def _words(spaced: str) -> str:
    return "|".join(re.escape(w) for w in sorted(spaced.split(), key=len, reverse=True))


def _phrases(*parts: tuple[str, ...] | str) -> str:
    found: list[str] = []
    for part in parts:
        found += part.split() if isinstance(part, str) else list(part)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(found, key=len, reverse=True))


# "Damascus denied", "Damascus on Tuesday flatly denied", "Damas, de son côté, a démenti";
# a passive "Damascus was accused" too. Not "Damascus said to have…" (hearsay about the place).
_AFTER = re.compile(
    rf"\s*(?:,\s*(?:{_ASIDE})\s*,)?\s*"
    rf"(?:(?:{_words(_BETWEEN)})\s+){{0,3}}"
    rf"(?:(?:was|is|has\s+been|were|a\s+ete|est|sont)\s+(?:{_words(_EN_AT + ' ' + _FR_AT)})\b"
    rf"|(?:{_phrases(_EN_SAYS, _FR_SAYS, _FR_PHRASES)})\b(?!\s+to\b))"
)
# "accused Damascus", "a averti Damas", "», a affirmé Damas" (looked for right before the name).
_BEFORE = re.compile(
    rf"(?:\b(?:{_phrases(_EN_AT, _FR_AT, _FR_AT_PHRASES)})"
    rf"|[,\"]\s*(?:(?:a|ont|avait)\s+)?(?:{_words(_FR_INVERTED)}))\s+$"
)


@cache
def _ascii(char: str) -> str:
    if char in APOSTROPHES:
        return "'"
    if char in "«»“”":
        return '"'
    bare = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)).lower()
    return bare if len(bare) == 1 and bare.isascii() else "?"


#: Latin-1 byte → its lowercase ASCII letter without accent (``?`` when there is none).
_LATIN1 = bytes(ord(_ascii(chr(b))) for b in range(256))


def _plain(text: str) -> str:
    """``text`` in lowercase ASCII, one character for one: accents off, one apostrophe, quotes as
    ``"``, punctuation kept (it matters here), ``?`` for what has no ASCII letter."""
    try:
        return text.encode("latin-1").translate(_LATIN1).decode("ascii")
    except UnicodeEncodeError:  # typographic quotes (’ “ ”), or beyond Latin-1
        pass
    marked = text.replace("’", "'").replace("“", '"').replace("”", '"')
    try:
        return marked.encode("latin-1").translate(_LATIN1).decode("ascii")
    except UnicodeEncodeError:  # one character at a time
        return "".join(_ascii(c) for c in marked)


# A place after one of these is where someone is, not who speaks: "residents of Damascus said",
# "les habitants de Damas ont dit", "police in Damascus said".
_PLACE_OF = re.compile(
    r"(?:\b(?:in|of|from|near|at|into|outside|around|across|inside|a|au|aux|de|du|des|dans|sur|vers|depuis|pres"
    r"|en|entre|pour)|\bd')\s*$"
)


def _shown(window: str, start: int, end: int) -> str:
    return " ".join(window[start:end].split()).strip(',»"” ')


def speaking(text: str, start: int, end: int) -> str | None:
    """The verb phrase that makes ``text[start:end]`` (a place) a speaker, or ``None``.

    Looks at the words right after the name (unless a preposition before it makes it a
    place: "residents of Damascus said"), then right before it.
    """
    window = text[end : end + REACH]
    after = _AFTER.match(_plain(window))
    ahead = _plain(text[max(0, start - REACH_BEFORE) : start])
    if after is not None and _PLACE_OF.search(ahead) is None:
        return _shown(window, 0, after.end())
    window = text[max(0, start - REACH_BEFORE) : start]
    before = _BEFORE.search(ahead)
    if before is not None:
        return _shown(window, before.start(), before.end())
    return None
