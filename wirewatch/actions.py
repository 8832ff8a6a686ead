"""What analysts do to alerts, as records every service reads the same way.

An ``Action`` is produced by the console on ``wirewatch.actions.v1`` (compacted, key =
``Action.key``, the thing it acts on): ``acknowledge`` and ``snooze`` name a story,
``silence`` holds matchers over rule / actor / region / escalation / severity,
``not_relevant`` names an alert. A later record for the same key replaces the earlier one
(a snooze ended early, a silence ended: ``cancelled`` or an earlier end), so compaction
keeps exactly the state that holds; the console's audit log keeps every record it read.

``deliver`` follows the topic from the beginning (no consumer group) and decides per
alert and channel whether to send, hold or mute; what it decided is a ``Receipt`` on
``wirewatch.receipts.v1``, which the console shows on the story page.

A console link in an email or a Slack message carries a signed, expiring, single-use
``LinkClaim`` (``sign_link`` / ``verify_link``): its nonce becomes the ``action_id`` of
the action it leads to, so a replayed link is recognised by every console replica.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wirewatch.errors import RecordError
from wirewatch.records import Alert, AlertItem, Evidence, Record, Severity

ActionKind = Literal["acknowledge", "snooze", "silence", "not_relevant"]
ACTION_KINDS: tuple[ActionKind, ...] = ("acknowledge", "snooze", "silence", "not_relevant")
ActionSource = Literal["console", "slack", "email", "api", "cli"]
Outcome = Literal["sent", "dead", "held", "muted", "released", "duplicate"]

#: what a silence may match on, each against the alert's values of that kind
MATCHER_KEYS: tuple[str, ...] = ("rule", "actor", "region", "escalation", "severity")

#: the most a snooze may last (a longer quiet is a silence, with a comment)
MAX_SNOOZE = timedelta(days=30)


def new_action_id() -> str:
    """A fresh, unguessable action id (also a link's single-use nonce)."""
    return secrets.token_urlsafe(16)


def _fold(value: str) -> str:
    return " ".join(value.casefold().split())


def normalise_matchers(raw: Mapping[str, object]) -> dict[str, list[str]]:
    """``{"region": "Idlib"}`` or ``{"region": ["Idlib", "Hama"]}`` → sorted lists; raises ``ValueError``.

    Unknown keys, empty values and an empty set of matchers are refused with a message
    naming the key.
    """
    out: dict[str, list[str]] = {}
    for key, value in raw.items():
        if key not in MATCHER_KEYS:
            raise ValueError(f"unknown matcher {key!r}: expected one of {', '.join(MATCHER_KEYS)}")
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"matcher {key!r}: expected a name or a list of names")
        cleaned = sorted({v.strip() for v in values if v.strip()})
        if not cleaned:
            raise ValueError(f"matcher {key!r} is empty")
        if key == "severity":
            bad = [v for v in cleaned if v not in ("low", "medium", "high", "critical")]
            if bad:
                raise ValueError(f"matcher 'severity': {bad[0]!r} is not low, medium, high or critical")
        out[key] = cleaned
    if not out:
        raise ValueError("a silence needs at least one matcher (rule, actor, region, escalation or severity)")
    return out


def alert_values(alert: Alert, key: str) -> list[str]:
    """The alert's names for one matcher key."""
    if key == "rule":
        return list(alert.rules) or [alert.rule]
    if key == "actor":
        return list(alert.actors)
    if key == "region":
        return list(alert.regions)
    if key == "escalation":
        return list(alert.escalations)
    if key == "severity":
        return [alert.severity]
    raise KeyError(key)


def matches(matchers: Mapping[str, Iterable[str]], alert: Alert) -> bool:
    """True when every matcher names at least one of the alert's values (case- and space-insensitive)."""
    if not matchers:
        return False
    for key, wanted in matchers.items():
        have = {_fold(v) for v in alert_values(alert, key)}
        if not have & {_fold(w) for w in wanted}:
            return False
    return True


class Action(Record):
    """One thing an analyst did; see the module docstring for keys and replacement."""

    schema_version: Literal[1] = 1
    action_id: str = Field(min_length=1)
    kind: ActionKind
    #: the console user who acted, their role then, and where from
    actor: str = Field(min_length=1)
    role: Literal["viewer", "analyst", "admin"]
    source: ActionSource
    at: datetime
    #: acknowledge, snooze, not_relevant: the story
    story_key: str = ""
    #: not_relevant (and the alert an acknowledge/snooze was made from, when known)
    alert_id: str = ""
    #: acknowledge: the story's severity when acknowledged (a rise above it is pushed once)
    severity: Severity | None = None
    #: snooze: when it ends
    until: datetime | None = None
    #: silence: its id, matchers, channels ([] = every channel), window, comment
    silence_id: str = ""
    matchers: dict[str, list[str]] = Field(default_factory=dict)
    channels: list[str] = Field(default_factory=list)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    comment: str = ""
    #: not_relevant: the analyst's reason, and what the alert matched (the labelled case)
    reason: str = ""
    rules: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    items: list[AlertItem] = Field(default_factory=list)
    #: ends an acknowledgement, a snooze or a silence before its time
    cancelled: bool = False

    @field_validator("matchers", mode="before")
    @classmethod
    def _matchers(cls, value: object) -> object:
        if isinstance(value, Mapping) and value:
            return normalise_matchers(value)
        return value

    @model_validator(mode="after")
    def _complete(self) -> Action:
        if self.kind in ("acknowledge", "snooze") and not self.story_key:
            raise ValueError(f"a {self.kind} names a story_key")
        if self.kind == "snooze" and self.until is None:
            raise ValueError("a snooze has an until")
        if self.kind == "not_relevant" and not self.alert_id:
            raise ValueError("a not_relevant names an alert_id")
        if self.kind == "silence":
            if not self.silence_id:
                raise ValueError("a silence has a silence_id")
            if not self.cancelled:
                if not self.matchers:
                    raise ValueError("a silence needs at least one matcher")
                if not self.comment.strip():
                    raise ValueError("a silence needs a comment")
                if self.starts_at is None or self.ends_at is None:
                    raise ValueError("a silence has starts_at and ends_at")
                if self.ends_at <= self.starts_at:
                    raise ValueError("a silence's ends_at must be after its starts_at")
        return self

    @property
    def key(self) -> str:
        """The Kafka key: what the action acts on (the compaction unit)."""
        if self.kind == "silence":
            return f"silence:{self.silence_id}"
        if self.kind == "not_relevant":
            return f"alert:{self.alert_id}:not_relevant:{self.actor}"
        return f"story:{self.story_key}:{self.kind}"

    def active(self, now: datetime) -> bool:
        """Whether an acknowledge / snooze / silence holds at ``now`` (not_relevant: never)."""
        if self.cancelled:
            return False
        if self.kind == "acknowledge":
            return True
        if self.kind == "snooze":
            return self.until is not None and now < self.until
        if self.kind == "silence":
            assert self.starts_at is not None and self.ends_at is not None
            return self.starts_at <= now < self.ends_at
        return False


class Receipt(Record):
    """What ``deliver`` decided for one alert on one channel (``wirewatch.receipts.v1``, key = alert id)."""

    alert_id: str
    story_key: str = ""
    revision: int = 0
    channel: str
    outcome: Outcome
    #: why: the DLQ reason, "snoozed by alice until …", "muted by bob (silence …): comment"
    reason: str = ""
    #: the action that held or muted it
    action_id: str = ""
    at: datetime


# --- signed links -------------------------------------------------------------------------

LINK_KINDS: tuple[str, ...] = ("acknowledge", "snooze", "silence", "not_relevant")


class LinkClaim(BaseModel):
    """What a signed console link allows: one action, on one story/alert, until it expires."""

    model_config = ConfigDict(frozen=True)

    kind: str
    story_key: str
    alert_id: str = ""
    #: the channel the link was sent on (for the audit log)
    channel: str = ""
    expires: datetime
    #: single use: becomes the action_id of the action it leads to
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_link(secret: str | bytes, claim: LinkClaim) -> str:
    """``<payload>.<hmac-sha256>``, URL-safe; verified by ``verify_link`` with the same secret."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    payload = _b64(
        json.dumps(
            {
                "k": claim.kind,
                "s": claim.story_key,
                "a": claim.alert_id,
                "c": claim.channel,
                "e": int(claim.expires.timestamp()),
                "n": claim.nonce,
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode("utf-8")
    )
    mac = hmac.new(key, b"wirewatch-link:" + payload.encode("ascii"), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def verify_link(secret: str | bytes, token: str, now: datetime | None = None) -> LinkClaim:
    """The claim of a valid, unexpired link token; raises ``RecordError`` saying why not.

    Single use is the caller's part: refuse a claim whose nonce is already an action id.
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    payload, _, mac = token.partition(".")
    if not payload or not mac:
        raise RecordError("link: malformed")
    try:
        given = _unb64(mac)
    except ValueError:
        raise RecordError("link: malformed") from None
    expected = hmac.new(key, b"wirewatch-link:" + payload.encode("ascii", "replace"), hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise RecordError("link: bad signature")
    try:
        data = json.loads(_unb64(payload))
        claim = LinkClaim(
            kind=data["k"],
            story_key=data["s"],
            alert_id=data.get("a", ""),
            channel=data.get("c", ""),
            expires=datetime.fromtimestamp(int(data["e"]), UTC),
            nonce=data["n"],
        )
    except (ValueError, KeyError, TypeError):
        raise RecordError("link: malformed") from None
    if claim.kind not in LINK_KINDS:
        raise RecordError(f"link: unknown action {claim.kind!r}")
    if (now or datetime.now(UTC)) >= claim.expires:
        raise RecordError("link: expired")
    return claim


# --- Slack buttons ------------------------------------------------------------------------

#: ``action_id`` prefix of Wirewatch's buttons in a Slack message
SLACK_ACTION_PREFIX = "wirewatch:"


def slack_button_value(kind: str, story_key: str, alert_id: str, minutes: int | None = None) -> str:
    """The ``value`` of a Slack button (at most 2,000 characters by Slack's rule)."""
    value: dict[str, object] = {"kind": kind, "story_key": story_key, "alert_id": alert_id}
    if minutes is not None:
        value["minutes"] = minutes
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def parse_slack_button_value(value: str) -> dict[str, object]:
    """The fields of ``slack_button_value``; raises ``RecordError``."""
    try:
        data = json.loads(value)
    except ValueError:
        raise RecordError("slack button: value is not JSON") from None
    if not isinstance(data, dict) or data.get("kind") not in LINK_KINDS or not data.get("story_key"):
        raise RecordError("slack button: not a Wirewatch action")
    return data
