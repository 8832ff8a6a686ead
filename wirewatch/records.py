"""The wire records services exchange through Kafka: JSON, UTF-8.

These are the only types ``ingest``, ``processors`` and ``alerts`` share.
Decoding validates: a record that does not decode raises ``RecordError``
(a ``ValueError``), which stream consumers dead-letter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wirewatch.errors import RecordError

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")


#: In an alert's ``notify``: the channels file's ``default`` set.
DEFAULT_CHANNELS = "default"


def severity_rank(severity: str) -> int:
    """0 for ``low`` … 3 for ``critical``; used to compare severities."""
    return SEVERITIES.index(severity)


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(UTC)


class Record(BaseModel):
    """Base of every JSON record on a Wirewatch topic: frozen, UTC times, ``to_bytes``/``from_bytes``."""

    # Unknown fields are ignored so an older consumer reads a newer producer's records.
    model_config = ConfigDict(frozen=True, extra="ignore")

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: object) -> object:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    def to_bytes(self) -> bytes:
        """The record as compact UTF-8 JSON, ready to produce."""
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes | str | None):  # type: ignore[no-untyped-def]
        """Decode and validate a message value; raises ``RecordError``."""
        if data is None:
            raise RecordError(f"{cls.__name__}: empty message value")
        try:
            return cls.model_validate_json(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "record"
            raise RecordError(f"{cls.__name__}: {where}: {first['msg']}") from None


class NewsItem(Record):
    """One wire item, as ingest publishes it on ``wirewatch.items.v1`` (key = ``id``)."""

    id: str = Field(min_length=1)
    feed: str
    source: str
    url: str | None = None
    title: str = ""
    summary: str = ""
    lang: Literal["fr", "en"] | None = None
    published_at: datetime
    fetched_at: datetime

    @property
    def text(self) -> str:
        """Title and summary, the text the matcher reads."""
        return f"{self.title}\n{self.summary}" if self.summary else self.title


class Evidence(Record):
    """What text matched which watchlist alias, and how well (0–100)."""

    entity: str
    kind: Literal["actor", "region", "escalation"]
    alias: str
    matched: str
    score: float
    item_id: str | None = None


class AlertItem(Record):
    """An item cited by an alert (the headline links of a story)."""

    id: str
    title: str
    url: str | None = None
    source: str
    lang: str | None = None
    published_at: datetime
    fetched_at: datetime | None = None


class Alert(Record):
    """One story told to analysts, on ``wirewatch.alerts.v1`` (key = story key).

    ``alert_id`` is stable for a (story, revision) so a re-sent alert is
    recognised downstream; ``revision`` is 0 when first told, then 1, 2…
    """

    alert_id: str
    story_key: str = ""
    kind: Literal["escalation", "surge"]
    rule: str
    #: every rule that fired for the story (``rule`` is the first)
    rules: list[str] = []
    severity: Severity
    actors: list[str] = []
    regions: list[str] = []
    escalations: list[str] = []
    evidence: list[Evidence] = []
    items: list[AlertItem] = []
    source_count: int = 1
    first_seen: datetime
    last_seen: datetime
    revision: int = 0
    watchlist_version: str = ""
    #: channel names the rules asked for; ``default`` = the default set; empty = the default set
    notify: list[str] = []
    update_reason: str | None = None
    #: why the report that caused this revision opened or joined the story
    grouping: str | None = None
    #: reports the story holds, pushed or not
    report_count: int = 1
    #: set by deliver when an action kept earlier updates back: "while snoozed: 4 reports, …",
    #: "severity rose to critical since acknowledged by alice"
    held_by: str | None = None

    @property
    def headline(self) -> str:
        """A one-line summary: ``air strike — Hama, Idlib (Russia)``."""
        what = ", ".join(self.escalations) or self.kind
        where = ", ".join(self.regions)
        who = ", ".join(self.actors)
        parts = [what]
        if where:
            parts.append(f"— {where}")
        if who:
            parts.append(f"({who})")
        return " ".join(parts)
