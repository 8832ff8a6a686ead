"""Everyday French and English words: never a *variant* of a watched name.

At gazetteer scale (20,000 place names) plain words start to look like
names nobody meant: "Shares" is a fuzzy Saharsa, "Aucune" a Ciudad Acuña,
"France" the transliteration of Franca. A text word that is one of the
~12,000 most frequent words of either language (Zipf frequency >= 4, about
once per 100,000 words of text) may still match a name spelled exactly as
listed, but is never a transliteration or fuzzy variant of one. Names of
the region that are that frequent (Syrie, Russie, Moscou) are translations
and are listed by the watchlist anyway; the unlisted spellings the engine
exists for (Idleb, Nosra, Daech, Bachar, Konachenkov) are all far rarer.

``everyday.txt`` is derived from wordfreq 3.1 (Robyn Speer; data CC BY-SA
4.0, https://github.com/rspeer/wordfreq), normalised as the engine
normalises text words. Regenerate with wordfreq installed (it is not a
dependency: its data is far larger than the one list taken from it):
``python -m processors.matching.everyday``.
"""

from __future__ import annotations

from pathlib import Path

from processors.matching.common import COMMON_WORDS
from processors.matching.normalise import words

LIST = Path(__file__).with_name("everyday.txt")
#: Zipf frequency (log10 of occurrences per billion words) from which a word is everyday.
MIN_ZIPF = 4.0
LANGUAGES = ("fr", "en")


def _load() -> frozenset[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines() if LIST.exists() else []
    return frozenset(w for w in lines if w and not w.startswith("#")) | COMMON_WORDS


#: The everyday words, normalised, with the small hand-made list of ``common`` among them.
EVERYDAY_WORDS: frozenset[str] = _load()


def regenerate() -> int:
    """Write ``everyday.txt`` from wordfreq; returns how many words it holds."""
    from importlib.metadata import version

    import wordfreq  # dev-only, see module doc

    found: set[str] = set()
    for lang in LANGUAGES:
        for word in wordfreq.iter_wordlist(lang, "large"):
            if wordfreq.zipf_frequency(word, lang) < MIN_ZIPF:
                break  # the list comes most frequent first
            normalised = words(word)
            if len(normalised) == 1 and len(normalised[0]) > 1:
                found.add(normalised[0])
    header = [
        f"# Everyday words (Zipf >= {MIN_ZIPF}) of {', '.join(LANGUAGES)}: see everyday.py.",
        f"# From wordfreq {version('wordfreq')} by Robyn Speer, data CC BY-SA 4.0.",
    ]
    LIST.write_text("\n".join([*header, *sorted(found)]) + "\n", encoding="utf-8")
    return len(found)


if __name__ == "__main__":
    print(f"{regenerate()} words written to {LIST}")
