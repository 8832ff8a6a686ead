"""Alert rules: which mentions raise an alert, how severe, and where it goes.

Evaluated by ``Engine.evaluate`` on the canonical names an item mentions.
A declared rule fires when every key of its ``when`` holds; the default
rule (DESIGN.md) fires when the item has an escalation and an actor or a
region. Severity: the rule's own, else the highest severity among the
escalations the rule looked at (all matched ones if it named none), else
``low``; ``min_severity`` then filters.

Scope (``within``): when a rule pairs escalations with actors or regions,
an escalation counts only if, for each of those conditions, one of its
names stands in the same sentence (or paragraph) as the escalation; the
rule's severity then comes from the escalations that count. ``item`` (and
an item whose positions are unknown, as in ``Engine.rules_for``) pairs
every escalation with every name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from processors.matching.decision import RuleHit
from processors.matching.scope import Places
from wirewatch.records import severity_rank
from wirewatch.watchlist import (
    DEFAULT_RULE,
    DEFAULT_WITHIN,
    Actor,
    Escalation,
    Region,
    Rule,
    Watchlist,
    Within,
)


@dataclass(frozen=True)
class Mentions:
    """Canonical names an item mentions, per section, the severity of each escalation, and
    where in the text each name stands (``None``: unknown, every name meets every other)."""

    names: Mapping[str, frozenset[str]]  # section -> names
    severities: Mapping[str, str]  # escalation name -> severity
    places: Places | None = None
    #: ``(section, names)``: entries one spelling may mean, context not saying which (homonyms)
    ambiguous: tuple[tuple[str, frozenset[str]], ...] = ()

    def present(self, section: str, wanted: frozenset[str] | None) -> frozenset[str]:
        """The names of ``section`` that satisfy ``wanted`` (``None``: any): those surely
        mentioned, and every entry of an ambiguous group when ``wanted`` takes them all."""
        sure = self.names[section]
        found = sure if wanted is None else sure & wanted
        for where, group in self.ambiguous:
            if where == section and (wanted is None or group <= wanted):
                found = found | group
        return found


def _paired(
    escalations: frozenset[str],
    entities: Sequence[tuple[str, frozenset[str]]],
    within: Within,
    mentions: Mentions,
) -> frozenset[str]:
    """The ``escalations`` that meet, within ``within``, a name of every ``(section, names)``."""
    places = mentions.places
    if within == "item" or places is None or not entities or places.whole(within):
        return escalations
    return frozenset(
        e
        for e in escalations
        if all(places.together(within, e, section, names) for section, names in entities)
    )


#: One condition of a rule: its section and the names that satisfy it (``None``: any name).
Condition = tuple[str, frozenset[str] | None]


def _conditions(rule: Rule, watchlist: Watchlist) -> tuple[Condition, ...]:
    """``rule``'s conditions, each as the set of canonical names that satisfy it.

    A name satisfies a list of names and tags when it is one of them or has
    one of the tags; the watchlist is fixed, so that set is worked out once
    and an item's check is one set intersection.
    """
    entries: dict[str, Sequence[Actor | Region | Escalation]] = {
        "actors": watchlist.actors,
        "regions": watchlist.regions,
        "escalations": watchlist.escalations,
    }
    out: list[Condition] = []
    for section, wanted in rule.when.conditions():
        if wanted == "any":
            out.append((section, None))
        else:
            allowed = set(wanted)
            names = frozenset(e.name for e in entries[section] if e.name in allowed or allowed & set(e.tags))
            out.append((section, names))
    return tuple(out)


def _highest(severities: Sequence[str]) -> str | None:
    return max(severities, key=severity_rank) if severities else None


def _fire(
    rule: Rule, conditions: tuple[Condition, ...], within: Within, mentions: Mentions
) -> RuleHit | None:
    looked_at: frozenset[str] | None = None
    entities: list[tuple[str, frozenset[str]]] = []
    for section, names in conditions:
        if mentions.ambiguous:
            satisfied = mentions.present(section, names)
        else:
            present = mentions.names[section]
            satisfied = present if names is None else present & names
        if not satisfied:
            return None
        if section == "escalations":
            looked_at = satisfied
        else:
            entities.append((section, satisfied))
    if looked_at is not None:
        looked_at = _paired(looked_at, entities, within, mentions)
        if not looked_at:
            return None
    escalations = looked_at if looked_at is not None else mentions.names["escalations"]
    severity = rule.severity or _highest([mentions.severities[e] for e in escalations]) or "low"
    if rule.min_severity is not None and severity_rank(severity) < severity_rank(rule.min_severity):
        return None
    return RuleHit(rule.name, severity, tuple(rule.notify))


class RuleSet:
    """The rules of one watchlist, in file order, then the default rule when it applies.

    ``default_within``: the scope of the default rule and of rules that give no ``within``.
    """

    def __init__(self, watchlist: Watchlist, default_within: Within = DEFAULT_WITHIN):
        self._rules = [
            (rule, _conditions(rule, watchlist), rule.within or default_within) for rule in watchlist.rules
        ]
        self._default = watchlist.uses_default_rule
        self._within = default_within
        self._levels = set(self.scopes().values())

    def fire(self, mentions: Mentions) -> tuple[RuleHit, ...]:
        """The rules that fire for an item with these mentions."""
        hits = [
            hit
            for rule, when, within in self._rules
            if (hit := _fire(rule, when, within, mentions)) is not None
        ]
        names = mentions.names
        if mentions.ambiguous:
            names = {section: mentions.present(section, None) for section in ("actors", "regions")}
        escalations = mentions.names["escalations"]
        if self._default and escalations and (names["actors"] or names["regions"]):
            places, within = mentions.places, self._within
            if within != "item" and places is not None and not places.whole(within):
                entities = [(section, names[section]) for section in ("actors", "regions") if names[section]]
                escalations = frozenset(
                    e for e in escalations if any(places.together(within, e, *entity) for entity in entities)
                )
            if escalations:
                severity = _highest([mentions.severities[e] for e in escalations]) or "low"
                hits.append(RuleHit(DEFAULT_RULE, severity, ()))
        return tuple(hits)

    def looks_within(self, text: str) -> bool:
        """Whether a rule may need to know where names stand in ``text``: some rule looks within
        a sentence, or within a paragraph and ``text`` may have more than one."""
        return "sentence" in self._levels or ("paragraph" in self._levels and text.count("\n") > 1)

    def scopes(self) -> dict[str, Within]:
        """The scope of each rule that pairs escalations with actors or regions, the default rule's
        last when it applies (for ``try``)."""
        out = {
            rule.name: within
            for rule, when, within in self._rules
            if {section for section, _names in when} > {"escalations"}
        }
        if self._default:
            out[DEFAULT_RULE] = self._within
        return out
