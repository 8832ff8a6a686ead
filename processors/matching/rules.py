"""Alert rules: which mentions raise an alert, how severe, and where it goes.

Evaluated by ``Engine.evaluate`` on the canonical names an item mentions.
A declared rule fires when every key of its ``when`` holds; the default
rule (DESIGN.md) fires when the item has an escalation and an actor or a
region. Severity: the rule's own, else the highest severity among the
escalations the rule looked at (all matched ones if it named none), else
``low``; ``min_severity`` then filters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from processors.matching.decision import RuleHit
from wirewatch.records import severity_rank
from wirewatch.watchlist import DEFAULT_RULE, Actor, Escalation, Region, Rule, Watchlist


@dataclass(frozen=True)
class Mentions:
    """Canonical names an item mentions, per section, and the severity of each escalation."""

    names: Mapping[str, frozenset[str]]  # section -> names
    severities: Mapping[str, str]  # escalation name -> severity


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


def _fire(rule: Rule, conditions: tuple[Condition, ...], mentions: Mentions) -> RuleHit | None:
    looked_at: frozenset[str] | None = None
    for section, names in conditions:
        present = mentions.names[section]
        satisfied = present if names is None else present & names
        if not satisfied:
            return None
        if section == "escalations":
            looked_at = satisfied
    escalations = looked_at if looked_at is not None else mentions.names["escalations"]
    severity = rule.severity or _highest([mentions.severities[e] for e in escalations]) or "low"
    if rule.min_severity is not None and severity_rank(severity) < severity_rank(rule.min_severity):
        return None
    return RuleHit(rule.name, severity, tuple(rule.notify))


class RuleSet:
    """The rules of one watchlist, in file order, then the default rule when it applies."""

    def __init__(self, watchlist: Watchlist):
        self._rules = [(rule, _conditions(rule, watchlist)) for rule in watchlist.rules]
        self._default = watchlist.uses_default_rule

    def fire(self, mentions: Mentions) -> tuple[RuleHit, ...]:
        """The rules that fire for an item with these mentions."""
        hits = [hit for rule, when in self._rules if (hit := _fire(rule, when, mentions)) is not None]
        escalations = mentions.names["escalations"]
        if self._default and escalations and (mentions.names["actors"] or mentions.names["regions"]):
            severity = _highest([mentions.severities[e] for e in escalations]) or "low"
            hits.append(RuleHit(DEFAULT_RULE, severity, ()))
        return tuple(hits)
