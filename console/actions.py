"""Acting on alerts: validate what an analyst asked, produce the ``Action``, record it.

``Actions`` is what every entry point calls (pages, the API, Slack buttons, email links):
it checks the role (``console.permissions``), that the story or alert is known, and the
silence's matchers, window and comment; then it produces the record on the actions topic
and returns only once the broker acknowledged it (``acks=all``, idempotent producer), so
an answer the analyst saw is never lost, even to a SIGKILL right after. It then records
the action in this replica's projection at once, so the next page shows it.

Errors (``ActionRefused`` and its subclasses, each with the HTTP status it maps to)::

    ActionRefused (400)
     ├── Forbidden (403)      the user's role may not do this
     ├── NotFound (404)       no such story, alert or silence here
     ├── AlreadyUsed (409)    a single-use link's action exists already
     └── Unavailable (503)    Kafka did not acknowledge: nothing was done
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from console import action_metrics
from console.accounts import User
from console.action_store import ActionStore
from console.permissions import allowed
from console.store import Store
from wirewatch.actions import MAX_SNOOZE, Action, ActionSource, new_action_id, normalise_matchers
from wirewatch.records import Alert

log = logging.getLogger(__name__)

SEND_TIMEOUT_S = 10.0
MAX_COMMENT = 2000


class ActionRefused(Exception):
    """An action that was not done; ``str()`` says why, for the analyst."""

    status = 400


class Forbidden(ActionRefused):
    status = 403


class NotFound(ActionRefused):
    status = 404


class AlreadyUsed(ActionRefused):
    status = 409


class NothingToEnd(ActionRefused):
    """Ending an acknowledgement or a snooze that is not in force."""

    status = 409


class Unavailable(ActionRefused):
    status = 503


class Producer(Protocol):
    """Where actions go: ``send`` returns once the broker has the record, else raises ``Unavailable``."""

    async def send(self, topic: str, key: bytes, value: bytes) -> None: ...

    async def close(self) -> None: ...


@dataclass
class KafkaProducer:
    """An aiokafka producer (acks=all, idempotent), started on first use and again after a failure."""

    bootstrap: str
    client_config: dict[str, object] = field(default_factory=dict)
    #: the longest a start or a send may take before the action is refused (503)
    timeout_s: float = SEND_TIMEOUT_S
    _producer: Any = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def _started(self) -> Any:
        from aiokafka import AIOKafkaProducer

        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    acks="all",
                    enable_idempotence=True,
                    request_timeout_ms=int(self.timeout_s * 1000),
                    **self.client_config,
                )
                try:
                    await asyncio.wait_for(producer.start(), self.timeout_s)
                except BaseException:
                    await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    async def send(self, topic: str, key: bytes, value: bytes) -> None:
        try:
            producer = await self._started()
            await asyncio.wait_for(producer.send_and_wait(topic, value, key=key), self.timeout_s)
        except Exception as exc:
            log.warning("actions topic unreachable: %s: %s", type(exc).__name__, exc)
            await self.close()
            raise Unavailable(
                "Kafka did not acknowledge the action, so nothing was done: try again in a moment."
            ) from None

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception as exc:  # a producer that failed to connect may fail to stop too
                log.debug("closing the actions producer: %s", exc)


@dataclass
class Actions:
    """The console's actions: validation, production, the record in this replica's projection."""

    store: Store
    action_store: ActionStore
    producer: Producer | None
    topic: str
    #: signs the links of emails and Slack messages (``/act``); None: links are refused
    link_secret: str | None = None
    #: Slack's signing secret (``/slack/actions``); None: every Slack request is refused
    slack_secret: str | None = None
    #: the channel names a silence may name (from channels.yaml)
    channel_names: list[str] = field(default_factory=list)
    #: follows the actions and receipts topics (None: not followed, e.g. in unit tests)
    projector: Any = None
    #: action ids this replica produced (a link's nonce is refused once it is here or projected)
    produced: set[str] = field(default_factory=set)

    # -- entry points ----------------------------------------------------------------------

    async def acknowledge(
        self, user: User, story_key: str, source: ActionSource, *, action_id: str = ""
    ) -> Action:
        self._may(user, "acknowledge")
        latest = self._story(story_key)
        return await self._produce(
            user,
            source,
            action_id,
            kind="acknowledge",
            story_key=story_key,
            alert_id=latest.alert_id,
            severity=latest.severity,
        )

    async def snooze(
        self, user: User, story_key: str, minutes: int, source: ActionSource, *, action_id: str = ""
    ) -> Action:
        self._may(user, "snooze")
        latest = self._story(story_key)
        if not 1 <= minutes <= MAX_SNOOZE.total_seconds() / 60:
            raise ActionRefused(f"a snooze lasts 1 to {int(MAX_SNOOZE.total_seconds() // 60)} minutes")
        return await self._produce(
            user,
            source,
            action_id,
            kind="snooze",
            story_key=story_key,
            alert_id=latest.alert_id,
            at=(now := _now()),
            until=now + timedelta(minutes=minutes),
        )

    async def end_hold(
        self, user: User, story_key: str, kind: str, source: ActionSource, *, action_id: str = ""
    ) -> Action:
        """End a story's acknowledgement or snooze now: the same key, ``cancelled``.

        Ending a snooze lets deliver push the held updates' summary at once; ending an
        acknowledgement lets the story's next update through. Refused if none is in force.
        """
        if kind not in ("acknowledge", "snooze"):
            raise ActionRefused(f"only an acknowledgement or a snooze can be ended, not {kind[:20]!r}")
        self._may(user, kind)
        latest = self._story(story_key)
        current = self.action_store.state(story_key).get(kind)
        now = _now()
        in_force = current is not None and not current["cancelled"]
        if current is not None and in_force and kind == "snooze":
            in_force = bool(current["until"]) and datetime.fromisoformat(current["until"]) > now
        if not in_force:
            raise NothingToEnd(f"this story is not {'acknowledged' if kind == 'acknowledge' else 'snoozed'}")
        extra: dict[str, Any] = {"until": now} if kind == "snooze" else {"severity": latest.severity}
        return await self._produce(
            user,
            source,
            action_id,
            kind=kind,
            story_key=story_key,
            alert_id=latest.alert_id,
            at=now,
            cancelled=True,
            **extra,
        )

    async def silence(
        self,
        user: User,
        source: ActionSource,
        *,
        matchers: Mapping[str, object],
        ends_at: datetime,
        comment: str,
        starts_at: datetime | None = None,
        channels: list[str] | None = None,
        action_id: str = "",
    ) -> Action:
        self._may(user, "silence")
        try:
            cleaned = normalise_matchers(matchers)
        except ValueError as exc:
            raise ActionRefused(str(exc)) from None
        start = _aware(starts_at) if starts_at else _now()
        end = _aware(ends_at)
        if end <= start:
            raise ActionRefused("the silence must end after it starts")
        if not comment.strip():
            raise ActionRefused("a silence needs a comment: say why")
        if len(comment) > MAX_COMMENT:
            raise ActionRefused(f"the comment is longer than {MAX_COMMENT} characters")
        return await self._produce(
            user,
            source,
            action_id,
            kind="silence",
            silence_id=new_action_id(),
            matchers=cleaned,
            channels=sorted({c.strip() for c in channels or [] if c.strip()}),
            starts_at=start,
            ends_at=end,
            comment=comment.strip(),
        )

    async def end_silence(self, user: User, silence_id: str, source: ActionSource) -> Action:
        """The same silence, ``cancelled``, ending now; refused if it is not known here."""
        self._may(user, "silence")
        current = self.action_store.silence(silence_id)
        if current is None:
            raise NotFound(f"no silence {silence_id[:60]!r}")
        if current.cancelled:
            raise ActionRefused("this silence was ended already")
        return await self._produce(
            user,
            source,
            "",
            kind="silence",
            silence_id=silence_id,
            matchers=current.matchers,
            channels=current.channels,
            starts_at=current.starts_at,
            ends_at=min(current.ends_at or _now(), _now()),
            comment=current.comment,
            cancelled=True,
        )

    async def not_relevant(
        self, user: User, alert_id: str, reason: str, source: ActionSource, *, action_id: str = ""
    ) -> Action:
        self._may(user, "not_relevant")
        stored = self.store.alert(alert_id)
        if stored is None:
            raise NotFound(f"no alert {alert_id[:100]!r}: it may not have reached this console yet")
        if len(reason) > MAX_COMMENT:
            raise ActionRefused(f"the reason is longer than {MAX_COMMENT} characters")
        alert = Alert.model_validate(stored["record"])
        return await self._produce(
            user,
            source,
            action_id,
            kind="not_relevant",
            story_key=stored["story_key"],
            alert_id=alert_id,
            reason=reason.strip(),
            rules=list(alert.rules) or [alert.rule],
            evidence=alert.evidence,
            items=alert.items,
        )

    def used(self, action_id: str) -> bool:
        """Whether an action with this id was produced here or is projected (a link's nonce)."""
        return action_id in self.produced or self.action_store.has_action(action_id)

    # -- the common part -------------------------------------------------------------------

    @staticmethod
    def _may(user: User | None, kind: str) -> None:
        if not allowed(user, kind):
            raise Forbidden(f"your role ({user.role if user else 'none'}) may not {kind.replace('_', ' ')}")

    def _story(self, story_key: str) -> Alert:
        story = self.store.story(story_key)
        if story is None:
            raise NotFound(f"no story {story_key[:100]!r}: it may not have reached this console yet")
        return Alert.model_validate(story["latest"]["record"])

    async def _produce(self, user: User, source: ActionSource, action_id: str, **fields: Any) -> Action:
        if action_id and self.used(action_id):
            raise AlreadyUsed("this link was used already: its action is done")
        action = Action(
            action_id=action_id or new_action_id(),
            actor=user.name,
            role=user.role,
            source=source,
            **({"at": _now()} | fields),
        )
        if self.producer is None:
            raise Unavailable("this console follows no Kafka (WIREWATCH_KAFKA_BOOTSTRAP is not set)")
        # claimed before the await, so a link posted twice at once is produced once
        self.produced.add(action.action_id)
        try:
            await self.producer.send(self.topic, action.key.encode(), action.to_bytes())
        except BaseException:
            self.produced.discard(action.action_id)
            raise
        action_metrics.ACTIONS.labels(action.kind, action.source).inc()
        if self.action_store.record(action):
            action_metrics.count_feedback(action)
        log.info("%s by %s (%s): %s", action.kind, action.actor, action.source, action.key)
        return action


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
