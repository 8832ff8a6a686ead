"""The engine's per-text pass in native code (``native/``, Rust), when it is built.

``pip install`` compiles ``native/`` into ``processors.matching._native``
when a Rust toolchain is present (setuptools-rust); without one the engine
runs its Python path, which gives the same decisions, more slowly. Set
``WIREWATCH_MATCHING=python`` to force the Python path (for comparison);
``WIREWATCH_MATCHING=native`` makes a missing build an error instead of a
fallback (the test suite sets it, so a broken build cannot hide). The
setting is read through ``Settings`` by ``wanted``, the one place an engine
being built learns it; the rest of the engine never sees settings.

The native ``Core`` takes over from the raw text (or, for a text with a
character outside its fold table, from the text folded here) to the entity
matches kept after overlaps and the raw escalation-term and idiom matches;
see ``native/src/lib.rs`` for the rules it mirrors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from processors.matching import aliases, fuzzy, normalise, terms
from processors.matching.aliases import Alias
from processors.matching.common import COMMON_WORDS
from processors.matching.everyday import EVERYDAY_WORDS
from processors.matching.folding import HYPHENS, fold_char
from processors.matching.terms import Term
from wirewatch.errors import NativeUnavailable
from wirewatch.settings import MatchingMode, get_settings

try:
    from processors.matching import _native  # type: ignore[attr-defined]
except ImportError:  # built without Rust: the Python path serves
    _native = None

#: Distinct words the native pass remembers (key, anchors hit) before it starts again: a bound
#: on its memory (BENCHMARKS.md gives the bytes per word); a news stream's working vocabulary
#: fits many times over.
WORD_MEMORY = 100_000

#: ``WIREWATCH_MATCHING`` (``Settings.matching``): ``auto`` (native when built), ``native``
#: (required) or ``python``.
MODE_ENV = "WIREWATCH_MATCHING"


def use_native(mode: MatchingMode) -> bool:
    """Whether ``mode`` runs the native pass; ``NativeUnavailable`` if it requires one not built."""
    if mode == "python":
        return False
    if _native is None:
        if mode == "native":
            raise NativeUnavailable(
                f"{MODE_ENV}=native but the native matching pass is not built: "
                f"build it with cargo ≥ 1.78: make setup, or set {MODE_ENV}=auto"
            )
        return False
    return True


def wanted(native: bool | None = None) -> bool:
    """Whether an engine being built uses the native pass: ``native`` if given, else the setting."""
    if native is None:
        return use_native(get_settings().matching)
    return use_native("native" if native else "python")


#: Characters the native pass folds itself: Latin-1, Latin Extended-A (Erdoğan, Łódź) and
#: typographic punctuation; a text with any other character is folded in Python first.
TABLE_RANGES = (range(0x0000, 0x0180), range(0x2000, 0x2070))


def fold_table() -> list[tuple[str, str, str, bool, bool]]:
    """``(char, folded, folded lowercase, isalnum, is a dash)`` for each character folded natively.

    Only characters that fold to exactly one character whose lowercase is one
    character too (so offsets stay those of the original text).
    """
    out = []
    for block in TABLE_RANGES:
        for code in block:
            char = chr(code)
            folded = fold_char(char)
            if len(folded) == 1 and len(folded.lower()) == 1:
                out.append((char, folded, folded.lower(), char.isalnum(), char in HYPHENS))
    return out


def spelling() -> tuple[list[tuple[str, str]], list[str], list[str], list[str], list[str], list[str]]:
    """The spelling rules, from the Python modules that own them: transliteration pairs,
    elided words, Arabic articles, article words, plural endings, English clitics."""
    return (
        list(normalise.KEY_PAIRS),
        normalise.ELIDED.split("|"),
        normalise.ARTICLES.split("|"),
        list(normalise.ARTICLE_WORDS),
        list(fuzzy.PLURAL_ENDINGS),
        normalise.CLITICS.split("|"),
    )


def constants() -> list[tuple[str, float]]:
    """The Python constants the native pass also compiles in; ``Core`` refuses a mismatch."""
    names = {
        aliases: ("EXACT_SCORE", "KEY_SCORE", "MIN_VARIANT_CHARS"),
        fuzzy: (
            "MIN_ANCHOR_CHARS",
            "MIN_DELETION_CHARS",
            "ANCHOR_SCORE",
            "SKELETON_WEIGHT",
            "MAX_PARTICLE_CHARS",
            "FUZZY_CAP",
        ),
        terms: ("GAP_WORDS",),
    }
    return [(name, float(getattr(module, name))) for module, found in names.items() for name in found]


def _slots(terms: Sequence[Term]) -> list[list[list[str] | None]]:
    return [[None if slot is None else sorted(slot) for slot in term.slots] for term in terms]


def build_core(
    compiled_aliases: Sequence[Alias],
    anchors: Sequence[int | None],
    compiled_terms: Sequence[Term],
    idioms: Sequence[Term],
    memory_words: int = WORD_MEMORY,
) -> Any:
    """The native ``Core`` for these compiled aliases (with their fuzzy anchors), terms and idioms.

    It remembers what up to ``memory_words`` distinct words look like, then starts again.
    """
    assert _native is not None
    compiled = [
        (
            a.entity,
            list(a.words),
            list(a.keys),
            (a.strict, a.acronym, a.proper, a.one_word),
            a.threshold,
            (a.joined, a.plain, a.key_bones, a.plain_bones),
            -1 if anchor is None else anchor,
        )
        for a, anchor in zip(compiled_aliases, anchors, strict=True)
    ]
    words = (sorted(COMMON_WORDS), sorted(EVERYDAY_WORDS))
    tables = (_slots(compiled_terms), _slots(idioms), fold_table(), spelling(), constants())
    return _native.Core(compiled, *words, *tables, memory_words)
