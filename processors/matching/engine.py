"""The matching engine: built once per watchlist, then ``evaluate(text)`` per item.

Called by the stream processor for every news item and by ``wirewatch try``.
Pure: strings in, frozen ``Decision`` out; safe to call from several threads
(its only mutable state is a memory of words already seen).

One evaluation: normalise the text once (``normalise``), run the exact pass
over transliteration keys (``aliases.ExactIndex``) and the fuzzy pass over
blocked candidates (``fuzzy.FuzzyIndex``), keep the longest non-overlapping
entity matches, find escalation terms (``terms``), then fire rules
(``rules``).
"""

from __future__ import annotations

from collections.abc import Iterable

from processors.matching.aliases import (
    EXACT_SCORE,
    KEY_SCORE,
    Alias,
    Candidate,
    Entity,
    ExactIndex,
    compile_entities,
)
from processors.matching.decision import Decision, Match, RuleHit
from processors.matching.fuzzy import FuzzyIndex
from processors.matching.idioms import IdiomFilter
from processors.matching.normalise import WordSpans, keys_of, normalised_text, with_article
from processors.matching.rules import Mentions, RuleSet
from processors.matching.terms import TermIndex, TermMatch, compile_terms
from wirewatch.records import severity_rank
from wirewatch.watchlist import Watchlist

Span = tuple[int, int]


def _rank(span: tuple[Span, float]) -> tuple[bool, int, float, int]:
    (start, end), score = span
    return (score < KEY_SCORE, start - end, -score, start)


def _longest_first(spans: Iterable[tuple[Span, float]]) -> set[Span]:
    """Spans kept, none overlapping another: exact spellings, then longest, then best-scored first.

    Exact (and transliteration-equal) spellings go first so a fuzzy window
    that swallowed a neighbouring word never hides the exact match inside it.
    """
    kept: set[Span] = set()
    taken: set[int] = set()
    for (start, end), _score in sorted(spans, key=_rank):
        if (start, end) in kept:
            continue
        if taken.isdisjoint(range(start, end)):
            kept.add((start, end))
            taken.update(range(start, end))
    return kept


class Engine:
    """Indexes of one watchlist; ``evaluate`` finds actors, regions, escalations and rules."""

    def __init__(self, watchlist: Watchlist):
        self.watchlist = watchlist
        self.version: str = watchlist.content_hash
        entities, aliases = compile_entities(watchlist.actors, watchlist.regions)
        #: actors then regions, in watchlist order, with their tags (rules match by tag)
        self.entities: tuple[Entity, ...] = tuple(entities)
        self.aliases: tuple[Alias, ...] = tuple(aliases)
        self._exact = ExactIndex(aliases)
        self._fuzzy = FuzzyIndex(aliases)
        self._terms = TermIndex(compile_terms(watchlist.escalations))
        self._idioms = IdiomFilter()
        self._escalations = tuple(e.name for e in watchlist.escalations)
        self._rules = RuleSet(watchlist)
        tags = {e.name: e.tags for e in self.entities}
        tags.update({e.name: frozenset(e.tags) for e in watchlist.escalations})
        self._tags = tags
        self._severities = {e.name: e.severity for e in watchlist.escalations}

    @classmethod
    def build(cls, watchlist: Watchlist) -> Engine:
        """Build the indexes of ``watchlist`` (done once; < 2 s at 20k aliases)."""
        return cls(watchlist)

    def entity_names(self) -> tuple[str, ...]:
        """Every canonical actor and region name (bounds metric label values)."""
        return tuple(e.name for e in self.entities)

    def summary(self) -> str:
        """One line: entry and alias counts and the version (for ``watchlist check``)."""
        wl = self.watchlist
        return (
            f"{len(wl.actors)} actors, {len(wl.regions)} regions, {len(self.aliases)} spellings, "
            f"{len(wl.escalations)} escalations, {len(wl.rules)} rules; version {self.version}"
        )

    def evaluate(self, text: str, lang: str | None = None) -> Decision:
        """What ``text`` mentions and which rules fire.

        ``lang`` is accepted for the record but not needed: terms and aliases
        of both languages apply to every text.
        """
        cased_flat, flat, origin = normalised_text(text)
        ws = flat.split()
        if not ws:
            return Decision()
        keys = keys_of(ws)
        candidates = self._exact.find(ws, keys)
        covered = {i for c in candidates for i in range(c.start, c.end)}
        cased = cased_flat.split()
        probes = self._fuzzy.probes(ws, keys, covered, cased)
        terms = list(self._terms.find(ws))
        if not candidates and not terms and not probes:
            return Decision()
        if probes:
            candidates += self._fuzzy.find(probes, ws, keys, covered, cased)
        candidates = [c for c in candidates if self._cased(c, cased)]
        if not candidates and not terms:
            return Decision()
        spans = WordSpans(flat, origin, len(text))
        if terms:
            terms = self._idioms.keep(terms, ws, spans, text)
        entity_spans = _longest_first(((c.start, c.end), c.score) for c in candidates)
        term_spans = _longest_first(((t.start, t.end), 100.0) for t in terms)
        matches = self._entity_matches(candidates, entity_spans, text, spans)
        matches += self._term_matches(terms, term_spans, text, spans)
        matches.sort(key=lambda m: (m.start, m.end, m.kind, m.entity))
        return self._decide(tuple(matches))

    def _cased(self, c: Candidate, cased: list[str]) -> bool:
        """Whether the text's capitals (``cased`` words) fit the alias.

        Acronyms (HTS, IS) match capitals only. A variant (not the listed
        spelling) of a proper noun must have a capitalised word: "victory"
        and "changed" are words, not spellings of Victoria or Changde; nor
        is "no" the place No: a one-word proper noun needs its capital.
        """
        alias = self.aliases[c.alias]
        if alias.acronym:
            return "".join(cased[c.start : c.end]).isupper()
        if (c.score < EXACT_SCORE or alias.one_word) and alias.proper:
            return any(w[0].isupper() for w in cased[c.start : c.end])
        return True

    def _entity_matches(
        self, candidates: list[Candidate], kept: set[Span], text: str, spans: WordSpans
    ) -> list[Match]:
        best: dict[tuple[int, int, int], Candidate] = {}
        for c in candidates:
            if (c.start, c.end) in kept:
                slot = (c.start, c.end, self.aliases[c.alias].entity)
                if slot not in best or best[slot].score < c.score:
                    best[slot] = c
        out = []
        for c in best.values():
            alias = self.aliases[c.alias]
            entity = self.entities[alias.entity]
            begin, end = with_article(text, spans[c.start][0]), spans[c.end - 1][1]
            out.append(Match(entity.name, entity.kind, alias.spelling, text[begin:end], c.score, begin, end))
        return out

    def _term_matches(
        self, terms: list[TermMatch], kept: set[Span], text: str, spans: WordSpans
    ) -> list[Match]:
        seen: set[tuple[int, int, int]] = set()
        out = []
        for t in terms:
            if (t.start, t.end) in kept and (t.start, t.end, t.escalation) not in seen:
                seen.add((t.start, t.end, t.escalation))
                begin, end = spans[t.start][0], spans[t.end - 1][1]
                name = self._escalations[t.escalation]
                out.append(Match(name, "escalation", t.term, text[begin:end], 100.0, begin, end))
        return out

    def rules_for(
        self, actors: Iterable[str], regions: Iterable[str], escalations: Iterable[str]
    ) -> tuple[RuleHit, ...]:
        """The rules that fire for an item mentioning these canonical names (tests, what-ifs)."""
        names = {
            "actors": frozenset(actors),
            "regions": frozenset(regions),
            "escalations": frozenset(escalations),
        }
        return self._rules.fire(Mentions(names, self._tags, self._severities))

    def _decide(self, matches: tuple[Match, ...]) -> Decision:
        names = {
            section: frozenset(m.entity for m in matches if m.kind == kind)
            for section, kind in (("actors", "actor"), ("regions", "region"), ("escalations", "escalation"))
        }
        rules = self._rules.fire(Mentions(names, self._tags, self._severities))
        severity = max((r.severity for r in rules), key=severity_rank) if rules else None
        escalations = tuple(sorted(names["escalations"]))
        return Decision(
            actors=tuple(sorted(names["actors"])),
            regions=tuple(sorted(names["regions"])),
            escalations=escalations,
            matches=matches,
            rules=rules,
            alert=bool(rules),
            severity=severity,
            escalation_families=escalations,
        )
