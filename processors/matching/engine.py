"""The matching engine: built once per watchlist, then ``evaluate(text)`` per item.

Called by the stream processor for every news item and by ``wirewatch try``.
Pure: strings in, frozen ``Decision`` out; safe to call from several threads
(its only mutable state is a memory of words already seen).

One evaluation: normalise the text once (``normalise``), run the exact pass
over transliteration keys (``aliases.ExactIndex``) and the fuzzy pass over
blocked candidates (``fuzzy.FuzzyIndex``), keep the longest non-overlapping
entity matches, find escalation terms (``terms``), turn a capital that
speaks into the actor it stands for (``capitals``), then fire rules
(``rules``, which ask ``scope.Places`` whether names meet). When the
native pass is built (``native.py``, ``native/``), it does all of that up
to the entity matches and the raw term matches in one call; sentence
ends, idioms, the ``Match`` records, speaking capitals and the rules stay
here, shared by both paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from processors.matching.aliases import (
    EXACT_SCORE,
    KEY_SCORE,
    Alias,
    Candidate,
    Entity,
    ExactIndex,
    compile_entities,
)
from processors.matching.capitals import speaking
from processors.matching.decision import Decision, Match, RuleHit
from processors.matching.folding import fold
from processors.matching.fuzzy import FuzzyIndex, anchors_of
from processors.matching.homonyms import Homonyms
from processors.matching.idioms import IdiomFilter, Spans
from processors.matching.native import build_core, wanted
from processors.matching.normalise import WordSpans, keys_of, normalised_text, with_article
from processors.matching.rules import Mentions, RuleSet
from processors.matching.scope import Places, Span
from processors.matching.terms import TermIndex, TermMatch, compile_terms
from wirewatch.records import severity_rank
from wirewatch.watchlist import Watchlist

#: What the native pass returns: entities ``(start, end, alias, score)`` and terms or idioms
#: ``(first word, end word, term, start, end, end of first word, start of last word)``.
NativeEntity = tuple[int, int, int, float]
NativeTerm = tuple[int, int, int, int, int, int, int]
NativeFound = tuple[list[NativeEntity], list[NativeTerm], list[NativeTerm]]


def _found(matches: list[Match]) -> dict[str, set[str]]:
    """The names of ``matches`` by kind."""
    found: dict[str, set[str]] = {"actor": set(), "region": set(), "escalation": set()}
    for m in matches:
        found[m.kind].add(m.entity)
    return found


#: Matches are reported in text order.
_MATCH_ORDER = attrgetter("start", "end", "kind", "entity")


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

    def __init__(self, watchlist: Watchlist, native: bool | None = None):
        self.watchlist = watchlist
        self.version: str = watchlist.content_hash
        entities, aliases = compile_entities(watchlist.actors, watchlist.regions)
        #: actors then regions, in watchlist order, with their tags (rules match by tag)
        self.entities: tuple[Entity, ...] = tuple(entities)
        self.aliases: tuple[Alias, ...] = tuple(aliases)
        self._terms = TermIndex(compile_terms(watchlist.escalations))
        self._idioms = IdiomFilter()
        #: the native per-text pass (``native.py``), or ``None`` for the Python path
        self._core = (
            build_core(aliases, anchors_of(aliases), self._terms.terms, self._idioms.phrases)
            if wanted(native)
            else None
        )
        #: the Python path's alias indexes; with the native pass, built on first need (a text the
        #: native pass cannot take: a lone surrogate), so the process holds one index, not two
        self._indexes: tuple[ExactIndex, FuzzyIndex] | None = None
        if self._core is None:
            self._indexes = self._python_indexes()
        #: per alias: its entity's name and kind, and its spelling (what a ``Match`` reports)
        self._labels = tuple((entities[a.entity].name, entities[a.entity].kind, a.spelling) for a in aliases)
        self._escalations = tuple(e.name for e in watchlist.escalations)
        self._rules = RuleSet(watchlist)
        self._severities = {e.name: e.severity for e in watchlist.escalations}
        #: region → the actor it names when it speaks (``stands_for``)
        self._speakers = {r.name: r.stands_for for r in watchlist.regions if r.stands_for is not None}
        #: entries sharing a spelling are told apart by context; ``None`` when none do
        owners: dict[tuple[str, ...], set[int]] = {}
        for a in aliases:
            owners.setdefault(a.words, set()).add(a.entity)
        shared = frozenset(entities[i].name for found in owners.values() if len(found) > 1 for i in found)
        self._homonyms = Homonyms(watchlist.actors, watchlist.regions, shared) if shared else None
        self._sections = {
            "actors": frozenset(a.name for a in watchlist.actors),
            "regions": frozenset(r.name for r in watchlist.regions),
        }

    @classmethod
    def build(cls, watchlist: Watchlist, native: bool | None = None) -> Engine:
        """Build the indexes of ``watchlist``: once per watchlist (at start, at each reload), not per text.

        ``native``: use the native per-text pass (``True``), the Python one
        (``False``), or follow ``WIREWATCH_MATCHING`` (``None``; see ``native.py``).
        """
        return cls(watchlist, native)

    @property
    def native(self) -> bool:
        """Whether this engine runs the native per-text pass."""
        return self._core is not None

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
        core = self._core
        if core is not None:
            found: NativeFound | None
            try:
                found = core.scan_text(text)  # entity starts include their article
            except UnicodeEncodeError:  # a lone surrogate (from JSON "\ud800"): not UTF-8
                return self._evaluate(text)
            if found is not None:
                return self._native_decision(text, found, articles=False)
            folded, origin = fold(text)
            found = core.scan(folded, folded.lower(), origin, len(text))
            if found is not None:
                return self._native_decision(text, found, articles=True)
        return self._evaluate(text)

    def _native_decision(self, text: str, found: NativeFound, articles: bool) -> Decision:
        """The decision from what the native pass found (the same steps as ``_evaluate``'s end).

        ``articles``: entity starts still need their dropped article (``with_article``).
        """
        entities, terms, idioms = found
        if not entities and not terms:
            return Decision()
        labels = self._labels
        matches = []
        for begin, end, alias_id, score in entities:
            name, kind, spelling = labels[alias_id]
            start = with_article(text, begin) if articles else begin
            matches.append(Match.of(name, kind, spelling, text[start:end], score, start, end))
        if terms:
            spans: dict[int, tuple[int, int]] = {}
            for start, end, _term, begin, finish, first_end, last_start in (*terms, *idioms):
                spans[start] = (begin, first_end)
                spans[end - 1] = (last_start, finish)
            compiled = self._terms.terms
            said = [
                TermMatch(start, end, compiled[t].escalation, compiled[t].text) for start, end, t, *_ in terms
            ]
            said = self._idioms.keep(said, [(start, end) for start, end, *_ in idioms], spans, text)
            kept = _longest_first(((t.start, t.end), 100.0) for t in said)
            matches += self._term_matches(said, kept, text, spans)
        matches.sort(key=_MATCH_ORDER)
        return self._decide(text, matches)

    def _python_indexes(self) -> tuple[ExactIndex, FuzzyIndex]:
        if self._indexes is None:  # two threads may both build: the same value, one kept
            aliases = list(self.aliases)
            self._indexes = (ExactIndex(aliases), FuzzyIndex(aliases))
        return self._indexes

    def _evaluate(self, text: str) -> Decision:
        """``evaluate`` in Python, from the raw text."""
        exact, fuzzy = self._python_indexes()
        cased_flat, flat, origin = normalised_text(text)
        ws = flat.split()
        if not ws:
            return Decision()
        keys = keys_of(ws)
        candidates = exact.find(ws, keys)
        covered = {i for c in candidates for i in range(c.start, c.end)}
        cased = cased_flat.split()
        probes = fuzzy.probes(ws, covered, cased)
        terms = list(self._terms.find(ws))
        if not candidates and not terms and not probes:
            return Decision()
        if probes:
            candidates += fuzzy.find(probes, ws, keys, covered, cased)
        candidates = [c for c in candidates if self._cased(c, cased)]
        if not candidates and not terms:
            return Decision()
        spans = WordSpans(flat, origin, len(text))
        if terms:
            terms = self._idioms.keep(terms, self._idioms.find(ws), spans, text)
        entity_spans = _longest_first(((c.start, c.end), c.score) for c in candidates)
        term_spans = _longest_first(((t.start, t.end), 100.0) for t in terms)
        matches = self._entity_matches(candidates, entity_spans, text, spans)
        matches += self._term_matches(terms, term_spans, text, spans)
        matches.sort(key=_MATCH_ORDER)
        return self._decide(text, matches)

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
            out.append(
                Match.of(entity.name, entity.kind, alias.spelling, text[begin:end], c.score, begin, end)
            )
        return out

    def _term_matches(self, terms: list[TermMatch], kept: set[Span], text: str, spans: Spans) -> list[Match]:
        seen: set[tuple[int, int, int]] = set()
        out = []
        for t in terms:
            if (t.start, t.end) in kept and (t.start, t.end, t.escalation) not in seen:
                seen.add((t.start, t.end, t.escalation))
                begin, end = spans[t.start][0], spans[t.end - 1][1]
                name = self._escalations[t.escalation]
                out.append(Match.of(name, "escalation", t.term, text[begin:end], 100.0, begin, end))
        return out

    def scopes(self) -> dict[str, str]:
        """Where each rule's escalation and names must meet (``sentence``, ``paragraph``, ``item``)."""
        return dict(self._rules.scopes())

    def rules_for(
        self, actors: Iterable[str], regions: Iterable[str], escalations: Iterable[str]
    ) -> tuple[RuleHit, ...]:
        """The rules that fire for an item mentioning these canonical names (tests, what-ifs)."""
        names = {
            "actors": frozenset(actors),
            "regions": frozenset(regions),
            "escalations": frozenset(escalations),
        }
        return self._rules.fire(Mentions(names, self._severities))

    def _speaking(
        self, text: str, matches: list[Match], notes: list[tuple[int, int, str]], found: dict[str, set[str]]
    ) -> list[Match]:
        """``matches`` with each capital that speaks ("Damascus denied") as the actor it stands for.

        Says why in ``notes``; ``found`` (names by kind) follows.
        """
        speakers = self._speakers
        out = matches
        turned: set[str] = set()
        for i, m in enumerate(matches):
            actor = speakers.get(m.entity) if m.kind == "region" else None
            if actor is not None and (verb := speaking(text, m.start, m.end)) is not None:
                if out is matches:
                    out = list(matches)
                notes.append((m.start, m.end, f"{m.entity} speaking: {verb!r}"))
                out[i] = Match(actor, "actor", m.alias, m.matched, m.score, m.start, m.end)
                turned.add(m.entity)
                found["actor"].add(actor)
        if out is not matches:
            out.sort(key=_MATCH_ORDER)
            found["region"] -= turned - {m.entity for m in out if m.kind == "region" and m.entity in turned}
        return out

    def _decide(self, text: str, matches: list[Match]) -> Decision:
        notes: list[tuple[int, int, str]] = []
        ambiguous: list[tuple[str, ...]] = []
        found = _found(matches)
        homonyms = self._homonyms
        if homonyms is not None and not (
            homonyms.names.isdisjoint(found["region"]) and homonyms.names.isdisjoint(found["actor"])
        ):
            resolved = homonyms.resolve(matches)
            matches, ambiguous, notes = resolved.matches, resolved.ambiguous, resolved.notes
            found["region"] -= resolved.gone
            found["actor"] -= resolved.gone
        if not found["region"].isdisjoint(self._speakers):
            matches = self._speaking(text, matches, notes, found)
        names = {
            "actors": frozenset(found["actor"]),
            "regions": frozenset(found["region"]),
            "escalations": frozenset(found["escalation"]),
        }
        groups = self._groups(ambiguous) if ambiguous else ()
        sure = names
        if groups:  # a name found only as one entry of an ambiguous group is not sure
            unsure: dict[str, set[str]] = {}
            for section, group in groups:
                unsure.setdefault(section, set()).update(group)
            sure = {section: found - unsure.get(section, set()) for section, found in names.items()}
        places = Places(text, matches) if self._rules.looks_within(text) else None
        rules = self._rules.fire(Mentions(sure, self._severities, places, groups))
        severity = max((r.severity for r in rules), key=severity_rank) if rules else None
        escalations = tuple(sorted(names["escalations"]))
        return Decision(
            actors=tuple(sorted(names["actors"])),
            regions=tuple(sorted(names["regions"])),
            escalations=escalations,
            matches=tuple(matches),
            rules=rules,
            alert=bool(rules),
            severity=severity,
            escalation_families=escalations,
            notes=tuple(notes),
            ambiguous=tuple(ambiguous),
        )

    def _groups(self, ambiguous: list[tuple[str, ...]]) -> tuple[tuple[str, frozenset[str]], ...]:
        """Each ambiguous group as ``(section, names)``, per section its names belong to."""
        out = []
        for group in ambiguous:
            for section in ("actors", "regions"):
                names = frozenset(n for n in group if n in self._sections[section])
                if names:
                    out.append((section, names))
        return tuple(out)
