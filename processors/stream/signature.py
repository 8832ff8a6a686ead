"""What one report says about its event: places, targets, toll, dates and a text fingerprint.

Computed once per candidate in the match stage (``signature_of``), from the
engine's decision and the report's own text, and carried on the candidate to
the story stage, which groups reports by it (``processors/stream/grouping.py``).

- ``places``: the watchlist regions the engine found, and other proper-noun
  place names the text gives after a place word ("in Saraqeb", "près de
  Kafranbel", "the town of Ariha", "Tafas in western Daraa countryside").
  They are compared by transliteration key and skeleton, so Kafr Nabl and
  Kafranbel, Maarat al-Numan and Maaret al-Nouman, Saraqib and Saraqeb meet.
- ``targets``: what was hit, in a few canonical words (market, hospital,
  school…), from either language.
- ``toll``: the highest number of dead the text states ("12 killed", "au
  moins 17 morts", "killing 9"), or None.
- ``dates``: the days the text names ("on Monday", "lundi", "le 12 mars",
  "on 3 March 2026", "yesterday"), as ISO dates resolved against the
  report's publication day.
- ``tokens``: a fingerprint of the content words (hashed transliteration
  keys), compared only between reports in the same language.
"""

from __future__ import annotations

import re
import zlib
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from processors.matching.decision import Decision
from processors.matching.everyday import EVERYDAY_WORDS
from processors.matching.fuzzy import similarity
from processors.matching.normalise import key, skeleton, words

#: Most fingerprint tokens kept per report (a wire summary has fewer content words).
MAX_TOKENS = 120
#: Score (0-100, as the engine's fuzzy pass) from which two place spellings are one place.
PLACE_SIMILARITY = 85.0

# A place word or a verb of attack, then a capitalised name: "in Saraqeb", "près de Kafranbel",
# "the town of Ariha", "shelled Tafas", "ont visé Kafranbel".
_PLACE_WORDS = (
    r"in|near|at|outside|around|on|into|towards?|across|from|"
    r"(?:town|village|city|district|neighbou?rhood|suburb|outskirts|area|countryside|province|"
    r"governorate|camp|region|base|airport) of|"
    r"shelled|struck|hit|targeted|bombed|attacked|pounded|stormed|raided|captured|"
    r"à|au|dans|près de|pres de|vers|sur|en|contre|visé|vise|frappé|frappe|bombardé|bombarde|"
    r"pilonné|pilonne|ciblé|cible|attaqué|attaque|"
    r"(?:ville|village|localité|localite|quartier|région|region|province|banlieue|"
    r"faubourg|camp|base|aéroport|aeroport|périphérie|peripherie|environs) (?:de |d'|d’|du )"
)
# Arabic articles are hyphenated to the next word (Maarat al-Numan, Deir ez-Zor); "ibn", "bin" stand alone.
_ARTICLE = r"(?:al|el|ez|es|ad|as|ash|ar|an|at|az|ed|er|en|et|ul)-"
_CAPITAL_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’]*"
_NAME = rf"{_CAPITAL_WORD}(?:(?:[- ]{_ARTICLE}|[- ]|\s(?:ibn|bin|ben)\s){_CAPITAL_WORD})*"
# "Syria's Hama": the place is what follows the possessive.
_POSSESSIVE = re.compile(r"^.*['’]s\s+")
_AFTER_PLACE_WORD = re.compile(rf"(?<![\w])(?:{_PLACE_WORDS})\s+(?:the |la |le |les |l'|l’)?({_NAME})")
# "Tafas in western Daraa countryside": the name before a place noun.
_BEFORE_PLACE_NOUN = re.compile(rf"({_NAME})\s+(?:countryside|province|governorate|district|city|town)\b")
# A name given as a province, not as the place of the event: "Idlib province", "la province d'Idleb".
_BROAD = re.compile(
    rf"({_NAME})\s+(?:countryside|provinces?|governorate)\b"
    rf"|(?:provinces?|governorate|countryside) of (?:the )?({_NAME})"
    rf"|(?:provinces?|région|region|campagne|gouvernorat) (?:de |d'|d’|du )({_NAME})"
)

_TARGETS = {
    "market": ("market", "marketplace", "souk", "marche", "souq"),
    "hospital": ("hospital", "clinic", "hopital", "hopitaux", "clinique", "dispensaire"),
    "school": ("school", "ecole", "college", "lycee"),
    "mosque": ("mosque", "mosquee"),
    "church": ("church", "eglise"),
    "bakery": ("bakery", "boulangerie"),
    "camp": ("camp",),
    "convoy": ("convoy", "convoi"),
    "checkpoint": ("checkpoint", "barrage"),
    "airport": ("airport", "airbase", "aeroport"),
    "base": ("base",),
    "bridge": ("bridge", "pont"),
    "power station": ("power", "centrale"),
    "factory": ("factory", "usine"),
    "prison": ("prison", "jail"),
    "university": ("university", "universite"),
}


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TARGET_OF = {word: name for name, spellings in _TARGETS.items() for word in spellings}

_DEATH_WORDS = _word_set(
    "killed killing kills dead deaths died death toll lives "
    "morts mort tues tuees tue tuee tuant deces victimes bilan"
)
_NOT_A_TOLL = _word_set("km kilometres kilometers miles metres meters hours heures minutes ans years")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20,
}  # fmt: skip
_MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("january", "janvier"), ("february", "fevrier"), ("march", "mars"), ("april", "avril"),
            ("may", "mai"), ("june", "juin"), ("july", "juillet"), ("august", "aout"),
            ("september", "septembre"), ("october", "octobre"), ("november", "novembre"),
            ("december", "decembre"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_WEEKDAYS = {
    name: n
    for n, names in enumerate(
        (
            ("monday", "lundi"), ("tuesday", "mardi"), ("wednesday", "mercredi"), ("thursday", "jeudi"),
            ("friday", "vendredi"), ("saturday", "samedi"), ("sunday", "dimanche"),
        )
    )
    for name in names
}  # fmt: skip
_YESTERDAY = frozenset(("yesterday", "hier"))
#: Function words of either language, left out of the fingerprint.
_STOPWORDS = _word_set(
    "the and for with that this from were was are has have had been their they them its into "
    "after over said says told near also than more most other some such only when which while "
    "about against between during under would could will what where who whom whose "
    "les des une dans pour par avec sur sont ont été ete est qui que quoi dont leur leurs "
    "selon apres avant entre aussi plus moins tres tous toute toutes cette ces son ses aux "
    "mais comme lors depuis encore deja fait faire"
)


class Signature(BaseModel):
    """What one report says about its event (JSON on the candidates topic)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    places: list[str] = []
    #: the places named as a province or countryside ("Idlib province"), not as the event's place
    broad: list[str] = []
    targets: list[str] = []
    toll: int | None = None
    dates: list[str] = []
    tokens: list[int] = []


def signature_of(text: str, decision: Decision, published: datetime) -> Signature:
    """The signature of one report's ``text`` given the engine's ``decision`` on it."""
    actor_spans = [(m.start, m.end) for m in decision.matches if m.kind == "actor"]
    places = dict.fromkeys(decision.regions)
    for name in _place_names(text):
        if not _inside(text, name, actor_spans):
            places.setdefault(name, None)
    ws = words(text)
    distinct = _distinct_places(list(places))
    return Signature(
        places=distinct,
        broad=_broad(text, distinct),
        targets=sorted({_TARGET_OF[w.removesuffix("s")] for w in ws if w.removesuffix("s") in _TARGET_OF}),
        toll=_toll(ws),
        dates=sorted(_dates(ws, published.date())),
        tokens=_tokens(ws),
    )


def place_key(name: str) -> tuple[str, str]:
    """(transliteration key, skeleton) of a place name, for ``same_place``."""
    k = "".join(key(w) for w in words(name))
    return k, skeleton(k)


def same_place(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Whether two place keys (``place_key``) name one place."""
    if a == b or (a[1] and a[1] == b[1] and len(a[1]) >= 3):
        return True
    return similarity(a[0], a[1], b[0], b[1]) >= PLACE_SIMILARITY


def _place_names(text: str) -> list[str]:
    found = [m.group(1) for m in _AFTER_PLACE_WORD.finditer(text)]
    found += [m.group(1) for m in _BEFORE_PLACE_NOUN.finditer(text)]
    names = []
    for name in found:
        name = _POSSESSIVE.sub("", name).strip(" '’-")
        ws = words(name)
        if ws and any(w not in EVERYDAY_WORDS and w not in _MONTHS and w not in _WEEKDAYS for w in ws):
            names.append(name)
    return names


def _broad(text: str, places: list[str]) -> list[str]:
    named = [place_key(next(g for g in m.groups() if g)) for m in _BROAD.finditer(text)]
    return [p for p in places if any(same_place(place_key(p), k) for k in named)]


def _inside(text: str, name: str, spans: list[tuple[int, int]]) -> bool:
    start = text.find(name)
    return any(s <= start < e or start <= s < start + len(name) for s, e in spans)


def _distinct_places(names: list[str]) -> list[str]:
    """``names`` with later spellings of a place already named left out (first spelling wins)."""
    kept: list[tuple[str, tuple[str, str]]] = []
    for name in names:
        k = place_key(name)
        if k[0] and not any(same_place(k, other) for _, other in kept):
            kept.append((name, k))
    return [name for name, _ in kept]


def _number(word: str) -> int | None:
    if word.isdigit() and len(word) <= 4:
        return int(word)
    return _NUMBER_WORDS.get(word)


def _toll(ws: list[str]) -> int | None:
    best = None
    for i, w in enumerate(ws):
        n = _number(w)
        if n is None or (1900 <= n <= 2100) or (i + 1 < len(ws) and ws[i + 1] in _NOT_A_TOLL):
            continue
        near = ws[max(0, i - 3) : i] + ws[i + 1 : i + 5]
        if any(x in _DEATH_WORDS for x in near):
            best = n if best is None else max(best, n)
    return best


def _dates(ws: list[str], published: date) -> set[str]:
    days = set()
    for i, w in enumerate(ws):
        if w in _MONTHS:
            month = _MONTHS[w]
            before = _number(ws[i - 1]) if i else None
            after = _number(ws[i + 1]) if i + 1 < len(ws) else None
            day = before if before and before <= 31 else after if after and after <= 31 else None
            if day:
                days.add(_on_or_before(published, month, day).isoformat())
        elif w in _WEEKDAYS:
            back = (published.weekday() - _WEEKDAYS[w]) % 7
            days.add((published - timedelta(days=back)).isoformat())
        elif w in _YESTERDAY:
            days.add((published - timedelta(days=1)).isoformat())
    return days


def _on_or_before(published: date, month: int, day: int) -> date:
    """The latest date with that month and day not after ``published`` (a report names the past)."""
    for year in (published.year, published.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= published + timedelta(days=1):
            return candidate
    return published


def _tokens(ws: list[str]) -> list[int]:
    tokens = set()
    for w in ws:
        if len(w) < 4 or w in _STOPWORDS or w.isdigit():
            continue
        tokens.add(zlib.crc32(key(w.removesuffix("s")).encode("utf-8")))
        if len(tokens) >= MAX_TOKENS:
            break
    return sorted(tokens)
