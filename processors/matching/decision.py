"""What the engine says about one text: frozen values, safe to share between threads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wirewatch.records import Evidence

Kind = Literal["actor", "region", "escalation"]


@dataclass(frozen=True)
class Match:
    """One watchlist entry found in the text.

    ``alias`` is the watchlist spelling (or escalation term) that matched,
    ``matched`` the words of the text, ``start``/``end`` their character
    offsets in the original text. ``score``: 100 for the listed spelling
    (case, accents, apostrophes aside), 95 for a spelling with the same
    transliteration key (Daech for Daesh), else the fuzzy similarity of the
    keys, from the entry's threshold (default 88) up to 94.
    """

    entity: str
    kind: Kind
    alias: str
    matched: str
    score: float
    start: int
    end: int

    @classmethod
    def of(
        cls, entity: str, kind: Kind, alias: str, matched: str, score: float, start: int, end: int
    ) -> Match:
        """The same ``Match`` as ``Match(...)``, still frozen, without the frozen ``__init__``'s cost.

        The frozen dataclass ``__init__`` sets each field through
        ``object.__setattr__``; filling the instance dict at once skips that.
        The engine makes tens of matches per text, on the hot path.
        """
        match = object.__new__(cls)
        match.__dict__.update(
            entity=entity, kind=kind, alias=alias, matched=matched, score=score, start=start, end=end
        )
        return match


@dataclass(frozen=True)
class RuleHit:
    """A rule that fired, with the severity it gives and the channels it names."""

    name: str
    severity: str
    notify: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """The engine's verdict on one text: what it mentions and which rules fire.

    Names are canonical, sorted and unique. ``rules`` lists fired rules in
    watchlist order, the default rule (``"default"``) last; ``alert`` is true
    when any rule fired and ``severity`` is the highest among them.
    """

    actors: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    escalations: tuple[str, ...] = ()
    matches: tuple[Match, ...] = ()
    rules: tuple[RuleHit, ...] = ()
    alert: bool = False
    severity: str | None = None
    #: escalation canonical names: the "family" part of a story key
    escalation_families: tuple[str, ...] = ()
    #: ``(start, end, why)`` for matches that count as another entry than their alias's (a
    #: capital speaking for its government: "Damascus speaking: 'denied'") or whose spelling
    #: another entry shares (which one the context picked, or that none was)
    notes: tuple[tuple[int, int, str], ...] = ()
    #: entries that share a spelling the text uses and that context does not tell apart, each
    #: group sorted (all of them are in ``actors``/``regions``; rules naming one do not fire)
    ambiguous: tuple[tuple[str, ...], ...] = ()

    def evidence(self, item_id: str | None = None) -> list[Evidence]:
        """One ``Evidence`` per distinct (entity, alias, matched words), for the Alert record."""
        seen: set[tuple[str, str, str, str]] = set()
        out = []
        for m in self.matches:
            key = (m.kind, m.entity, m.alias, m.matched.casefold())
            if key not in seen:
                seen.add(key)
                out.append(
                    Evidence(
                        entity=m.entity,
                        kind=m.kind,
                        alias=m.alias,
                        matched=m.matched,
                        score=m.score,
                        item_id=item_id,
                    )
                )
        return out
