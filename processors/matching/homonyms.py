"""Entries that share a spelling (Tripoli in Libya and in Lebanon): which one a text means.

Called by ``Engine`` on every text of a watchlist with such entries, after
the per-text pass (native or Python) has returned a match for each entry
the spelling belongs to, at the same words. The entry the rest of the text
gives context for wins: an entry of its country (Lebanon, Beirut for the
Lebanese Tripoli), one sharing a tag, or the entry itself by a spelling of
its own ("Tripoli du Liban"). When no entry has more context than the
others, every one is kept and the group is reported ambiguous; rules then
count it only where they accept every entry of the group (``regions: any``,
a tag they all carry), so a rule that names one of them fires only when the
context picks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from processors.matching.decision import Match
from wirewatch.watchlist import Actor, Region


@dataclass(frozen=True)
class Resolved:
    """What ``Homonyms.resolve`` made of a text's matches."""

    matches: list[Match]
    #: groups of entry names left undecided, each sorted, in text order
    ambiguous: list[tuple[str, ...]]
    #: ``(start, end, why)`` for each shared spelling, decided or not
    notes: list[tuple[int, int, str]]
    #: the entries context ruled out that the text no longer names anywhere
    gone: frozenset[str] = frozenset()


class Homonyms:
    """The entries of one watchlist that share spellings, and what relates entries (country, tags)."""

    def __init__(self, actors: Sequence[Actor], regions: Sequence[Region], names: frozenset[str]):
        #: the entries that share a spelling with another: a text naming none needs no resolving
        self.names = names
        self._country = {e.name: e.country for e in actors if e.country}
        self._country.update((r.name, r.country) for r in regions if r.country)
        self._tags = {e.name: frozenset(e.tags) for e in (*actors, *regions)}

    def _neighbours(self, context: set[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """The ``context`` entries by country and by tag (built once per text that needs it)."""
        by_country: dict[str, set[str]] = {}
        by_tag: dict[str, set[str]] = {}
        for name in context:
            country = self._country.get(name)
            if country is not None:
                by_country.setdefault(country, set()).add(name)
            for tag in self._tags.get(name, ()):
                by_tag.setdefault(tag, set()).add(name)
        return by_country, by_tag

    def _related(
        self, candidate: str, context: set[str], by_country: dict[str, set[str]], by_tag: dict[str, set[str]]
    ) -> list[str]:
        """The ``context`` entries that speak for ``candidate``: itself, its country, a shared tag."""
        found = {candidate} & context
        country = self._country.get(candidate)
        if country is not None:
            found |= by_country.get(country, set())
        for tag in self._tags.get(candidate, ()):
            found |= by_tag.get(tag, set())
        return sorted(found)

    def resolve(self, matches: list[Match]) -> Resolved:
        """Each shared spelling kept as the entry its context picks, else as every entry.

        ``matches`` are in text order (``start``, ``end``, kind, entry), so the entries of one
        spelling stand next to each other: one pass finds them, and most texts have none.
        """
        shared: set[tuple[int, int]] = set()
        last: Match | None = None
        for m in matches:
            if m.kind != "escalation":
                if (
                    last is not None
                    and (last.start, last.end) == (m.start, m.end)
                    and last.entity != m.entity
                ):
                    shared.add((m.start, m.end))
                last = m
        if not shared:
            return Resolved(matches, [], [])
        at: dict[tuple[int, int], list[Match]] = {}
        context: set[str] = set()
        for m in matches:
            if m.kind != "escalation":
                if (m.start, m.end) in shared:
                    at.setdefault((m.start, m.end), []).append(m)
                else:
                    context.add(m.entity)
        by_country, by_tag = self._neighbours(context)
        dropped: set[tuple[int, int, str]] = set()
        ambiguous: list[tuple[str, ...]] = []
        notes: list[tuple[int, int, str]] = []
        for start, end in sorted(shared):
            names = sorted({m.entity for m in at[start, end]})
            why = {name: self._related(name, context, by_country, by_tag) for name in names}
            best = max(len(found) for found in why.values())
            picked = [name for name in names if len(why[name]) == best]
            spelling = at[start, end][0].matched
            if best and len(picked) == 1:
                winner = picked[0]
                dropped.update((start, end, name) for name in names if name != winner)
                others = ", ".join(name for name in names if name != winner)
                said = f"{spelling!r} is {winner}, not {others}: the text names {', '.join(why[winner])}"
            else:
                if tuple(names) not in ambiguous:
                    ambiguous.append(tuple(names))
                said = (
                    f"{spelling!r} is ambiguous: {' or '.join(names)}; nothing in the text tells them apart"
                )
            notes.append((start, end, said))
        if not dropped:
            return Resolved(matches, ambiguous, notes)
        kept = [m for m in matches if (m.start, m.end, m.entity) not in dropped]
        out = {name for _start, _end, name in dropped}
        gone = frozenset(out - {m.entity for m in kept if m.entity in out})
        return Resolved(kept, ambiguous, notes, gone)
