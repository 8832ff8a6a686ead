"""The internal records between the processor's stages (JSON on internal topics).

A ``Candidate`` is one item that fired one rule, re-keyed by rule so every
story of a rule lives on one partition. A ``Mention`` is one escalation
mention of one watched entity, re-keyed by entity for surge counting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from wirewatch.records import AlertItem, Evidence, Severity, severity_rank


class _Internal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


class Candidate(_Internal):
    """One item that fired one rule; the unit the story stage groups."""

    item: AlertItem
    rule: str
    severity: Severity
    notify: list[str] = []
    families: list[str]
    actors: list[str] = []
    regions: list[str] = []
    evidence: list[Evidence] = []
    watchlist_version: str
    content_hash: str = ""

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


def top_severity(severities: list[str]) -> Severity:
    """The highest of ``severities`` (``low`` when empty)."""
    best: Severity = "low"
    for s in severities:
        if severity_rank(s) > severity_rank(best):
            best = s  # type: ignore[assignment]
    return best
