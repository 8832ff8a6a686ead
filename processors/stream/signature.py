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
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from processors.matching.decision import Decision
from processors.matching.everyday import EVERYDAY_WORDS
from processors.matching.fuzzy import similarity
from processors.matching.normalise import key, keys_of, skeleton, words

#: Most fingerprint tokens kept per report (a wire summary has fewer content words).
MAX_TOKENS = 120
#: Place names (and pairs of them) whose keys are remembered: news names the same places.
PLACE_MEMORY = 65_536
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
    r"(?:marché|marche|hôpital|hopital|école|ecole|mosquée|mosquee|boulangerie) (?:de |d'|d’|du )|"
    r"(?:ville|village|localité|localite|quartier|région|region|province|banlieue|"
    r"faubourg|camp|base|aéroport|aeroport|périphérie|peripherie|environs) (?:de |d'|d’|du )"
)
# Arabic articles are hyphenated to the next word (Maarat al-Numan, Deir ez-Zor); "ibn", "bin" stand alone.
_ARTICLE = r"(?:al|el|ez|es|ad|as|ash|ar|an|at|az|ed|er|en|et|ul)-"
_CAPITAL_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’]*"
_NAME = rf"(?:{_ARTICLE})?{_CAPITAL_WORD}(?:(?:[- ]{_ARTICLE}|[- ]|\s(?:ibn|bin|ben)\s){_CAPITAL_WORD})*"
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
_INJURY_WORDS = _word_set("injured wounded hurt injuring wounding blesses blessees blessant blesse")
#: Words that may stand between "killing" and its number: "killing at least 12", "toll rose to 17".
_TOLL_FILLERS = _word_set("at least some about more than nearly over to of the au moins pres de plus a")
_TOLL_RISES = _word_set("rose risen climbed reached eleve passe atteint monte")
_DEATH_VERBS = _word_set("killing killed kills toll tuant tue tues bilan morts")
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
# A clause about another event than the report's own: up to the end of the clause.
_BACKGROUND = re.compile(
    r"\b(?:hours|days|a day|one day|the day|weeks) after\b|\b(?:a |an )?separate\b|\bearlier (?:this|on|in)\b"
    r"|\b(?:last|previous) (?:week|month|year)\b|\bpreviously\b"
    r"|\bau lendemain\b|\bla veille\b|\b(?:quelques )?(?:heures|jours) après\b|\bdistincte?\b"
    r"|\bprécédente?\b|\bune autre\b|\bun autre\b",
    re.IGNORECASE,
)
# Where a strike came from, not where it hit: "fired from the direction of north-west Lebanon".
_ORIGIN = re.compile(
    r"\b(?:(?:fired|launched|coming) from(?: the direction of)?|from the direction of|en provenance d[eu]|"
    r"(?:tirés?|lancés?|tirées?|lancées?) depuis|depuis la direction d[eu])(?:\s+\S+){1,3}",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;!?\n]|,\s(?:and|but|while|et|mais|alors)\b")
# The report tells a repeat of an earlier event: "renewed shelling", "for a second day", "de nouveau".
_FOLLOW_UP = re.compile(
    r"\brenewed\b|\bfresh (?:strikes|shelling|attacks?)\b|\bsecond (?:day|night)\b|\bagain\b"
    r"|\b(?:de|à) nouveau\b|\bnouveau (?:pilonnage|bombardement|raid)|\bnouvelles? (?:frappes?|attaques?)"
    r"|\bdeuxième (?:jour|nuit)\b|\bau lendemain\b|\b(?:a|one) day after\b",
    re.IGNORECASE,
)
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
    #: the text tells a repeat of an earlier event ("renewed shelling", "for a second day")
    follow_up: bool = False


def signature_of(text: str, decision: Decision, published: datetime) -> Signature:
    """The signature of one report's ``text`` given the engine's ``decision`` on it.

    Places, targets, toll and days come from the report's own event: a clause
    that tells an earlier or separate one ("hours after a separate drone strike
    near Mayadin", "a day after shelling killed five", "au lendemain de…") is
    left out of them, though not out of the fingerprint.
    """
    background = _background(text)
    foreground = "".join(" " if background[i] else c for i, c in enumerate(text)) if any(background) else text
    actor_spans = [(m.start, m.end) for m in decision.matches if m.kind == "actor"]
    regions = [m for m in decision.matches if m.kind == "region"]
    regions.sort(key=lambda m: m.start)
    places = dict.fromkeys(m.entity for m in regions if not background[m.start])
    for name, start in _place_names(foreground):
        if not any(s <= start < e for s, e in actor_spans):
            places.setdefault(name, None)
    ws = words(foreground)
    distinct = _distinct_places(list(places))
    return Signature(
        places=distinct,
        broad=_broad(foreground, distinct),
        targets=sorted({_TARGET_OF[w.removesuffix("s")] for w in ws if w.removesuffix("s") in _TARGET_OF}),
        toll=_toll(ws),
        dates=sorted(_dates(ws, published.date())),
        tokens=_tokens(words(text)),
        follow_up=bool(_FOLLOW_UP.search(text)),
    )


def _background(text: str) -> list[bool]:
    """Per character of ``text``: inside a clause about an earlier or separate event."""
    marks = [False] * (len(text) + 1)
    for m in _BACKGROUND.finditer(text):
        end = _CLAUSE_END.search(text, m.end())
        for i in range(m.start(), end.start() if end else len(text)):
            marks[i] = True
    for m in _ORIGIN.finditer(text):
        for i in range(m.start(), m.end()):
            marks[i] = True
    return marks


@lru_cache(maxsize=PLACE_MEMORY)
def place_key(name: str) -> tuple[str, str]:
    """(transliteration key, skeleton) of a place name, for ``same_place``."""
    k = "".join(key(w) for w in words(name))
    return k, skeleton(k)


@lru_cache(maxsize=PLACE_MEMORY)
def same_place(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Whether two place keys (``place_key``) name one place."""
    if a == b or (a[1] and a[1] == b[1] and len(a[1]) >= 3):
        return True
    return similarity(a[0], a[1], b[0], b[1]) >= PLACE_SIMILARITY


def _place_names(text: str) -> list[tuple[str, int]]:
    """Proper-noun place names of ``text`` after a place word or before a place noun, with their start."""
    found = [(m.group(1), m.start(1)) for m in _AFTER_PLACE_WORD.finditer(text)]
    found += [(m.group(1), m.start(1)) for m in _BEFORE_PLACE_NOUN.finditer(text)]
    names = []
    for name, start in sorted(found, key=lambda f: f[1]):
        name = _POSSESSIVE.sub("", name).removesuffix("'s").removesuffix("’s").strip(" '’-")
        ws = words(name)
        if any(_proper(w) for w in ws):
            names.append((name, start))
    return names


def _proper(word: str) -> bool:
    """Whether a normalised word can make a capitalised sequence a place name."""
    return len(word) > 2 and word not in EVERYDAY_WORDS and word not in _MONTHS and word not in _WEEKDAYS


def _broad(text: str, places: list[str]) -> list[str]:
    named = [place_key(next(g for g in m.groups() if g)) for m in _BROAD.finditer(text)]
    return [p for p in places if any(same_place(place_key(p), k) for k in named)]


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
    """The highest number of dead: "12 civilians were killed", "killing at least 12", "17 morts"."""
    best = None
    for i, w in enumerate(ws):
        n = _number(w)
        if n is None or (1900 <= n <= 2100) or (i + 1 < len(ws) and ws[i + 1] in _NOT_A_TOLL):
            continue
        if _dead_after(ws, i) or _dead_before(ws, i):
            best = n if best is None else max(best, n)
    return best


def _dead_after(ws: list[str], i: int) -> bool:
    for w in ws[i + 1 : i + 5]:
        if w in _DEATH_WORDS:
            return True
        if w in _INJURY_WORDS:
            return False
    return False


def _dead_before(ws: list[str], i: int) -> bool:
    j = i - 1
    while j >= 0 and i - j <= 4 and ws[j] in _TOLL_FILLERS:
        j -= 1
    if j >= 0 and ws[j] in _DEATH_VERBS:
        return True
    # "the death toll from the strike rose to 21", "le bilan … s'élève à 21"
    return j >= 0 and ws[j] in _TOLL_RISES and any(w in ("toll", "bilan") for w in ws[max(0, j - 10) : j])


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
    content = [w.removesuffix("s") for w in ws if len(w) >= 4 and w not in _STOPWORDS and not w.isdigit()]
    tokens = sorted({zlib.crc32(k.encode("utf-8")) for k in keys_of(content)})
    return tokens[:MAX_TOKENS]
