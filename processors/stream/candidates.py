"""The internal records between the processor's stages (JSON on internal topics).

A ``Candidate`` is one item that fired one rule, re-keyed by rule so every
story of a rule lives on one partition. A ``Mention`` is one escalation
mention of one watched entity, re-keyed by entity for surge counting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from processors.matching import Decision
from processors.stream.signature import Signature, signature_of
from wirewatch.records import DEFAULT_CHANNELS, AlertItem, Evidence, NewsItem, Severity, severity_rank


class _Internal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


class Candidate(_Internal):
    """One item that fired at least one rule; the unit the story stage groups.

    One item is one candidate however many rules fire: ``rule`` is the first
    that fired (file order, the default rule last), ``rules`` all of them,
    ``severity`` the highest, and ``notify`` the union of their channels
    (``default`` standing for the default set), so analysts hear of a story
    once, on every channel any of its rules asked for.
    """

    item: AlertItem
    rule: str
    rules: list[str] = []
    severity: Severity
    notify: list[str] = []
    families: list[str]
    actors: list[str] = []
    regions: list[str] = []
    evidence: list[Evidence] = []
    watchlist_version: str
    content_hash: str = ""
    #: what the report says about its event, for grouping (``signature.signature_of``)
    signature: Signature = Signature()

    @property
    def at(self) -> datetime:
        """Event time of the report: its publication, never later than its fetch."""
        fetched = self.item.fetched_at
        published = self.item.published_at
        return min(published, fetched) if fetched is not None else published

    @property
    def partition_key(self) -> bytes:
        return self.rule.encode("utf-8")


class Mention(_Internal):
    """An escalation mentioned next to a watched entity in one item."""

    entity: str
    kind: Literal["actor", "region"]
    item_id: str
    escalations: list[str]
    severity: Severity
    at: datetime
    watchlist_version: str


def candidate_for(item: NewsItem, decision: Decision, version: str, content: str = "") -> Candidate | None:
    """The candidate of ``item`` given the engine's ``decision``; None when no rule fired."""
    if not decision.rules:
        return None
    notify: list[str] = []
    for hit in decision.rules:
        notify.extend(hit.notify or (DEFAULT_CHANNELS,))
    return Candidate.model_validate(
        {
            "item": {
                "id": item.id,
                "title": item.title,
                "url": item.url,
                "source": item.source,
                "lang": item.lang,
                "published_at": item.published_at,
                "fetched_at": item.fetched_at,
            },
            "rule": decision.rules[0].name,
            "rules": [hit.name for hit in decision.rules],
            "severity": top_severity([hit.severity for hit in decision.rules]),
            "notify": list(dict.fromkeys(notify)),
            "families": list(decision.escalation_families),
            "actors": list(decision.actors),
            "regions": list(decision.regions),
            "evidence": decision.evidence(item.id),
            "watchlist_version": version,
            "content_hash": content,
            "signature": signature_of(item.text, decision, item.published_at),
        }
    )


def top_severity(severities: list[str]) -> Severity:
    """The highest of ``severities`` (``low`` when empty)."""
    best: Severity = "low"
    for s in severities:
        if severity_rank(s) > severity_rank(best):
            best = s  # type: ignore[assignment]
    return best
