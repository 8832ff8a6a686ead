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

#: Fingerprint tokens kept per report: the smallest hashes (a bottom-k sketch), so that two
#: reports keep the same sample of the words they share; a wire summary has about this many.
MAX_TOKENS = 48
#: Place names (and pairs of them) whose keys are remembered: news names the same places.
PLACE_MEMORY = 65_536
#: Score (0-100, as the engine's fuzzy pass) from which two place spellings are one place.
PLACE_SIMILARITY = 85.0


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A place word or a verb of attack, then a capitalised name: "in Saraqeb", "près de Kafranbel",
# "the town of Ariha", "shelled Tafas", "ont visé Kafranbel".
_PLACE_WORDS = _word_set(
    "in near at outside around on into toward towards across from "
    "shelled struck hit targeted bombed attacked pounded stormed raided captured "
    "à au dans vers sur en contre visé vise frappé frappe bombardé bombarde "
    "pilonné pilonne ciblé cible attaqué attaque"
)
# ... or a noun and "of" / "de": "the town of Ariha", "la ville d'Alep", "un marché de Saraqeb".
_PLACE_NOUNS_OF = _word_set(
    "town village city district neighbourhood neighborhood suburb outskirts area countryside "
    "province governorate camp region base airport"
)
_PLACE_NOUNS_DE = _word_set(
    "près pres marché marche hôpital hopital école ecole mosquée mosquee boulangerie ville village "
    "localité localite quartier région region province banlieue faubourg camp base aéroport aeroport "
    "périphérie peripherie environs"
)
_OF = frozenset(("of",))
_DE = frozenset(("de", "d'", "d’", "du"))
_DETERMINERS = frozenset(("the", "la", "le", "les", "l'", "l’"))
# A name given as a province, not as the place of the event: "Idlib province", "la province d'Idleb".
_BROAD_NOUNS_OF = frozenset(("province", "provinces", "governorate", "countryside"))
_BROAD_NOUNS_DE = frozenset(("province", "provinces", "région", "region", "campagne", "gouvernorat"))
# Arabic articles are hyphenated to the next word (Maarat al-Numan, Deir ez-Zor); "ibn", "bin" stand alone.
_ARTICLE = r"(?:al|el|ez|es|ad|as|ash|ar|an|at|az|ed|er|en|et|ul)-"
_CAPITAL_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’]*"
# "Syria's Hama": the place is what follows the possessive.
_POSSESSIVE = re.compile(r"^.*['’]s\s+")
# Names as found in running text start with their capital (a regex that may start anywhere is
# slow); a leading article is taken from just before it.
_NAMES = re.compile(rf"{_CAPITAL_WORD}(?:(?:[- ]{_ARTICLE}|[- ]|\s(?:ibn|bin|ben)\s){_CAPITAL_WORD})*")
_LEADING_ARTICLE = re.compile(rf"(?<![\w]){_ARTICLE}$")
#: How far before a name its place words are looked for (three words fit).
_WINDOW = 48
# "Tafas in western Daraa countryside": the name before a place noun; "Idlib province".
_PLACE_AFTER = re.compile(r"\s+(?:countryside|province|governorate|district|city|town)\b")
_BROAD_AFTER = re.compile(r"\s+(?:countryside|provinces?|governorate)\b")
# Words before a name, split so that an elided article stays a word: "province d'" -> province, d'.
_LAST_WORDS = re.compile(r"[\w’']+['’]|[\w]+")

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
# Words one of which every background or origin phrase holds: most texts skip the regexes.
_BACKGROUND_CUES = ("after", "separate", "earlier", "last ", "previous", "lendemain", "veille", "après",
                    "distinct", "précédent", "autre")  # fmt: skip
_ORIGIN_CUES = ("from", "provenance", "depuis")
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
    foreground = _blank(text, background)
    actor_spans = [(m.start, m.end) for m in decision.matches if m.kind == "actor"]
    regions = sorted((m for m in decision.matches if m.kind == "region"), key=lambda m: m.start)
    places = dict.fromkeys(m.entity for m in regions if not _within(m.start, background))
    named, broad = _place_names(foreground)
    for name, start in named:
        if not _within(start, actor_spans):
            places.setdefault(name, None)
    all_words = words(text)
    ws = words(foreground) if background else all_words
    distinct = _distinct_places(list(places))
    return Signature(
        places=distinct,
        broad=_broad(broad, distinct),
        targets=sorted({_TARGET_OF[w.removesuffix("s")] for w in ws if w.removesuffix("s") in _TARGET_OF}),
        toll=_toll(ws),
        dates=sorted(_dates(ws, published.date())),
        tokens=_tokens(all_words),
        follow_up=bool(_FOLLOW_UP.search(text)),
    )


def _within(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (offsets kept)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _background(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` about an earlier or separate event, or where a strike came from."""
    lowered = text.lower()
    spans = []
    if any(cue in lowered for cue in _BACKGROUND_CUES):
        for m in _BACKGROUND.finditer(text):
            end = _CLAUSE_END.search(text, m.end())
            spans.append((m.start(), end.start() if end else len(text)))
    if any(cue in lowered for cue in _ORIGIN_CUES):
        spans.extend((m.start(), m.end()) for m in _ORIGIN.finditer(text))
    return spans


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


def _place_names(text: str) -> tuple[list[tuple[str, int]], list[tuple[str, str]]]:
    """Proper-noun places of ``text`` (after a place word or before a place noun) with their start,
    and the keys of the names it gives as provinces."""
    names, broad = [], []
    for m in _NAMES.finditer(text):
        start = m.start()
        if start and text[start - 1] == "-":
            article = _LEADING_ARTICLE.search(text, max(0, start - 4), start)
            start = article.start() if article is not None else start
        before = _LAST_WORDS.findall(text[max(0, start - _WINDOW) : start].lower())[-3:]
        if _after(before, _BROAD_NOUNS_OF, _BROAD_NOUNS_DE) or _BROAD_AFTER.match(text, m.end()):
            broad.append(place_key(m.group()))
        place = (before and before[-1] in _PLACE_WORDS) or _after(before, _PLACE_NOUNS_OF, _PLACE_NOUNS_DE)
        if not (place or _PLACE_AFTER.match(text, m.end())):
            continue
        name = _POSSESSIVE.sub("", text[start : m.end()]).removesuffix("'s").removesuffix("’s").strip(" '’-")
        if any(_proper(w) for w in words(name)):
            names.append((name, start))
    return names, broad


def _after(before: list[str], nouns_of: frozenset[str], nouns_de: frozenset[str]) -> bool:
    """Whether the words ``before`` a name end in "<noun> of (the)" or "<noun> de/d'/du"."""
    ws = before[:-1] if before and before[-1] in _DETERMINERS else before
    if len(ws) < 2:
        return False
    return (ws[-1] in _OF and ws[-2] in nouns_of) or (ws[-1] in _DE and ws[-2] in nouns_de)


def _proper(word: str) -> bool:
    """Whether a normalised word can make a capitalised sequence a place name."""
    return len(word) > 2 and word not in EVERYDAY_WORDS and word not in _MONTHS and word not in _WEEKDAYS


def _broad(named: list[tuple[str, str]], places: list[str]) -> list[str]:
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
        n = _number(w) if w.isdigit() or w in _NUMBER_WORDS else None
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
