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
from wirewatch.watchlist import DEFAULT_RULE, Rule, Watchlist


@dataclass(frozen=True)
class Mentions:
    """Canonical names an item mentions, per section, and the tags of each name."""

    names: Mapping[str, frozenset[str]]  # section -> names
    tags: Mapping[str, frozenset[str]]  # name -> tags
    severities: Mapping[str, str]  # escalation name -> severity

    def wanted(self, section: str, wanted: str | list[str]) -> frozenset[str]:
        """Names of ``section`` that satisfy ``wanted`` (``any`` or names/tags)."""
        present = self.names[section]
        if wanted == "any":
            return present
        allowed = set(wanted)
        return frozenset(n for n in present if n in allowed or self.tags.get(n, frozenset()) & allowed)


def _highest(severities: Sequence[str]) -> str | None:
    return max(severities, key=severity_rank) if severities else None


def _fire(rule: Rule, mentions: Mentions) -> RuleHit | None:
    looked_at: frozenset[str] | None = None
    for section, wanted in rule.when.conditions():
        satisfied = mentions.wanted(section, wanted)
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
        self._rules = list(watchlist.rules)
        self._default = watchlist.uses_default_rule

    def fire(self, mentions: Mentions) -> tuple[RuleHit, ...]:
        """The rules that fire for an item with these mentions."""
        hits = [hit for rule in self._rules if (hit := _fire(rule, mentions)) is not None]
        escalations = mentions.names["escalations"]
        if self._default and escalations and (mentions.names["actors"] or mentions.names["regions"]):
            severity = _highest([mentions.severities[e] for e in escalations]) or "low"
            hits.append(RuleHit(DEFAULT_RULE, severity, ()))
        return tuple(hits)
