"""Slack: an incoming webhook, or a bot that tells each story as one thread.

Incoming webhook (``webhook_url_env``): the URL is the secret (it carries
the token), read from the environment and never printed. Each alert is a new
message; webhooks cannot thread or edit. Slack shows about one message per
second per channel and hides the excess, so ``folds`` is on: the delivery
loop folds a burst into one message listing up to ``max_batch`` alerts.

Bot (``token_env`` + ``channel``, slack_sdk's ``AsyncWebClient``): a story's
revision 0 is a ``chat.postMessage`` whose ``ts`` is kept in the ledger's
database (``alerts.ledger.Threads``); a later revision is posted in that
message's thread and the first message is edited (``chat.update``) so its
header shows the current severity and source count. A burst is posted one
alert at a time (each story keeps its own thread), a digest as one message.

Exactly once, as far as Slack allows: Slack has no idempotency key. Before a
post the channel records that it is asking; as soon as Slack answers it
records the ``ts``, before the lane writes the ledger. A re-sent alert whose
answer was recorded is not posted again. One whose answer was lost (a
timeout, or a kill while the request was out) is looked for in the
conversation by the message metadata every post carries (needs the
``channels:history`` scope, ``groups:history`` for a private channel, and
the conversation id, learnt from the first answer); only if it is not
found, or cannot be looked for, is it posted again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Self

import aiohttp
import httpx
from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from alerts.channels import http
from alerts.channels.base import (
    Channel,
    ChannelContext,
    ChannelOptions,
    Delivery,
    describe_exception,
    redact,
    require_env,
)
from alerts.ledger import Thread, Threads
from alerts.render import slack as render
from alerts.render.links import ActionLinks
from alerts.render.text import clean
from wirewatch.durations import Duration
from wirewatch.records import Alert

log = logging.getLogger(__name__)

_ENV = r"^[A-Z_][A-Z0-9_]*$"
#: the ``event_type`` of the metadata on every bot post (how a lost answer's post is found)
EVENT_TYPE = "wirewatch_alert"
#: Slack errors worth trying again; any other error is a refusal (bad token, unknown channel…)
_TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
#: how far before the recorded ask a lost post is looked for (clock skew, queueing at Slack)
_LOOKBACK_S = 120.0


class SlackOptions(ChannelOptions):
    """``type: slack`` block: ``webhook_url_env``, or ``token_env`` and ``channel`` (bot mode)."""

    type: Literal["slack"]
    token_env: str | None = Field(
        default=None,
        pattern=_ENV,
        description="bot mode: environment variable holding the bot token (xoxb-…)",
    )
    channel: str | None = Field(
        default=None,
        pattern=r"^(#[a-z0-9._-]{1,80}|[CGD][A-Z0-9]{2,30})$",
        description="bot mode: the conversation to post to, `#name` or an id (C0123…)",
    )
    signing_secret_env: str | None = Field(
        default=None,
        pattern=_ENV,
        description="bot mode: environment variable of the Slack app's signing secret, read by the "
        "console; set, messages carry Acknowledge / Snooze / Not relevant / Mute buttons",
    )
    # Declared after the bot keys: its check reads them.
    webhook_url_env: str | None = Field(
        default=None,
        pattern=_ENV,
        validate_default=True,
        description="environment variable holding the incoming-webhook URL (it carries the token)",
    )
    api_url: str = Field(
        default="https://slack.com/api/",
        pattern=r"^https?://\S+/$",
        description="bot mode: Slack's Web API (a local stand-in in tests)",
    )
    timeout: Duration = Field(default=10.0, description="longest wait for Slack's answer")
    min_interval: Duration = Field(
        default=1.0, description="least time between two posts to this webhook or channel"
    )

    @field_validator("webhook_url_env")
    @classmethod
    def _webhook_unless_bot(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and not info.data.get("token_env") and not info.data.get("channel"):
            # Reads as it did before bot mode: the webhook key is what is missing.
            raise PydanticCustomError("missing", "Field required")
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> SlackOptions:
        bot = self.token_env is not None or self.channel is not None
        if bot and self.webhook_url_env is not None:
            raise PydanticCustomError(
                "slack_mode",
                "give webhook_url_env (incoming webhook) or token_env and channel (bot), not both",
            )
        if self.signing_secret_env is not None and self.token_env is None:
            raise PydanticCustomError(
                "slack_mode", "signing_secret_env is for bot mode (buttons): give token_env and channel"
            )
        if bot and (self.token_env is None or self.channel is None):
            raise PydanticCustomError("slack_mode", "a Slack bot needs both token_env and channel")
        return self


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


class SlackChannel(Channel):
    """Posts Block Kit messages through an incoming webhook or, in bot mode, the Web API."""

    type = "slack"
    Options = SlackOptions
    folds = True
    # 1 header + 1 divider + one section per alert + 1 context stays under 50 blocks.
    max_batch = 20

    def __init__(
        self,
        options: SlackOptions,
        url: SecretStr | None = None,
        client: httpx.AsyncClient | None = None,
        *,
        token: SecretStr | None = None,
        threads: Threads | None = None,
        links: ActionLinks | None = None,
    ):
        super().__init__(options)
        self._links = links or ActionLinks()
        self._options = options
        self._url = url
        self._token = token
        self._client = client or http.new_client(options.timeout)
        self.min_interval = options.min_interval
        self._bot: AsyncWebClient | None = None
        self._threads = threads
        if token is not None:
            self._bot = AsyncWebClient(
                token=token.get_secret_value(),
                base_url=options.api_url,
                timeout=options.timeout,  # type: ignore[arg-type]  # aiohttp takes float seconds
                # No silent re-send after a dropped connection: a retry goes through the lane.
                retry_handlers=[],
                logger=log,
            )

    @classmethod
    def from_config(cls, options: ChannelOptions, context: ChannelContext) -> Self:
        assert isinstance(options, SlackOptions)
        if options.token_env:
            token = require_env(context.env, options.token_env, options.name)
            return cls(options, token=token, threads=Threads.of(context.data_dir), links=context.links)
        assert options.webhook_url_env
        return cls(
            options, require_env(context.env, options.webhook_url_env, options.name), links=context.links
        )

    @property
    def rate_key(self) -> str:
        # Hash, so the key (shown in debug output) does not reveal the token. Slack paces per channel.
        if self._url is not None:
            seed = self._url.get_secret_value()
        else:
            assert self._token is not None
            seed = f"{self._token.get_secret_value()}\n{self._options.channel}"
        return "slack:" + hashlib.sha256(seed.encode()).hexdigest()[:16]

    def _with_controls(self, alert: Alert, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` with the action buttons (bot with a signing secret) or links (webhook)."""
        if self._bot is not None:
            if not self._options.signing_secret_env:
                return payload
            block = render.action_buttons(alert, self._links.mute_url(alert))
        else:
            links = self._links.actions(alert, self.name)
            if not links:
                return payload
            block = render.action_links(links)
        return {**payload, "blocks": [*payload["blocks"], block]}

    async def send(self, alert: Alert) -> Delivery:
        if self._bot is not None:
            return await self._tell(alert)
        return await self._post(self._with_controls(alert, render.alert_payload(alert)))

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        if len(alerts) == 1 and not digest:
            return await self.send(alerts[0])
        if self._bot is None:
            links = None if digest else (lambda a: self._links.actions(a, self.name))
            return await self._post(render.batch_payload(alerts, digest=digest, links=links))
        if digest:
            key = "batch-" + hashlib.sha256("\n".join(a.alert_id for a in alerts).encode()).hexdigest()[:32]
            outcome = await self._post_once(key, render.batch_payload(alerts, digest=True), None)
            return outcome if isinstance(outcome, Delivery) else Delivery.sent(self.name)
        assert self._threads is not None
        paced = False
        for alert in alerts:
            # A retry of the burst skips what was posted: each post is recorded as Slack answers.
            posted = self._threads.post(self.name, alert.alert_id)
            if paced and not (posted and posted.answered):
                await asyncio.sleep(self.min_interval)
            paced = True
            delivery = await self._tell(alert)
            if not delivery.ok:
                return delivery
        return Delivery.sent(self.name)

    async def aclose(self) -> None:
        await self._client.aclose()
        if self._threads is not None:
            self._threads.close()

    # -- incoming webhook

    async def _post(self, payload: dict[str, object]) -> Delivery:
        assert self._url is not None
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return await http.post(self._client, self.name, self._url, body, headers)

    # -- bot

    async def _tell(self, alert: Alert) -> Delivery:
        """Post ``alert`` as its story's first message or in its thread, then refresh the header."""
        assert self._threads is not None
        thread = self._threads.thread(self.name, alert.story_key) if alert.story_key else None
        if thread is None:
            # Revision 0, or the first revision this channel sees (earlier ones were filtered).
            payload = self._with_controls(alert, render.alert_payload(alert))
            outcome = await self._post_once(alert.alert_id, payload, alert)
            if isinstance(outcome, Delivery):
                return outcome
            return Delivery.sent(self.name)
        reply = self._with_controls(alert, render.thread_reply(alert))
        outcome = await self._post_once(alert.alert_id, reply, alert, thread)
        if isinstance(outcome, Delivery):
            return outcome
        return await self._refresh_header(alert, thread)

    async def _post_once(
        self, key: str, payload: dict[str, Any], alert: Alert | None, thread: Thread | None = None
    ) -> str | Delivery:
        """The ``ts`` of the post of ``key`` (made now, or found from before), or a failed ``Delivery``."""
        assert self._bot is not None and self._threads is not None
        asked = self._threads.post(self.name, key)
        if asked is not None and asked.answered:
            return asked.ts
        place = thread.place if thread else (self._threads.place(self.name) or self._options.channel or "")
        if asked is not None:
            found = await self._find(key, place, thread, asked.asked_at - _LOOKBACK_S)
            if isinstance(found, Delivery):
                return found
            if found:
                log.warning("%s: %s was posted before its answer was lost; not posting again", self.name, key)
                self._record(key, found[0], found[1], alert, thread)
                return found[1]
        self._threads.asking(self.name, key)
        try:
            response = await self._bot.chat_postMessage(
                channel=thread.place if thread else (self._options.channel or ""),
                thread_ts=thread.root if thread else None,
                text=payload["text"],
                blocks=payload["blocks"],
                metadata={"event_type": EVENT_TYPE, "event_payload": {"delivery": key}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except Exception as exc:
            return self._failed("chat.postMessage", exc)
        conversation, ts = str(response.get("channel") or place), str(response.get("ts") or "")
        self._record(key, conversation, ts, alert, thread)
        return ts

    def _record(
        self, key: str, conversation: str, ts: str, alert: Alert | None, thread: Thread | None
    ) -> None:
        assert self._threads is not None
        first = None
        if alert is not None and alert.story_key and thread is None:
            first = Thread(root=ts, place=conversation, header_rev=alert.revision)
        self._threads.answered(self.name, key, ts, alert.story_key if alert else "", first)

    async def _refresh_header(self, alert: Alert, thread: Thread) -> Delivery:
        """Edit the story's first message to the current state (never back to an older revision)."""
        assert self._bot is not None and self._threads is not None
        if alert.revision <= thread.header_rev:
            return Delivery.sent(self.name)
        payload = render.story_header(alert)
        try:
            await self._bot.chat_update(
                channel=thread.place, ts=thread.root, text=payload["text"], blocks=payload["blocks"]
            )
        except Exception as exc:
            failed = self._failed("chat.update", exc)
            if not failed.permanent:
                return failed  # the reply is recorded: the retry only edits
            # The reply is in the thread; a header that cannot be edited (deleted) is not worth a DLQ.
            log.warning(
                "%s: the first message of story %s was not updated: %s",
                self.name,
                alert.story_key,
                failed.reason,
            )
            return Delivery.sent(self.name)
        self._threads.set_header_rev(self.name, alert.story_key, alert.revision)
        return Delivery.sent(self.name)

    async def _find(
        self, key: str, place: str, thread: Thread | None, oldest: float
    ) -> tuple[str, str] | Delivery | None:
        """(conversation, ts) of an earlier post of ``key`` if Slack shows one, else None.

        A lookup Slack refuses (a missing history scope) is None too: the post
        is made again, the one case left where it may show twice. A lookup that
        may work later (rate limit, outage) is a failed ``Delivery``: post nothing yet.
        """
        assert self._bot is not None
        if not place.startswith(("C", "G", "D")):
            return None  # history needs the conversation id; a first post ever only knows the #name
        try:
            if thread is not None:
                response = await self._bot.conversations_replies(
                    channel=place,
                    ts=thread.root,
                    oldest=f"{oldest:.6f}",
                    include_all_metadata=True,
                    limit=200,
                )
            else:
                response = await self._bot.conversations_history(
                    channel=place, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=200
                )
        except Exception as exc:
            failed = self._failed("conversations history", exc)
            if not failed.permanent:
                return failed
            log.warning(
                "%s: cannot look for an earlier post of %s (%s); posting it again",
                self.name,
                key,
                failed.reason,
            )
            return None
        for message in response.get("messages") or []:
            meta = message.get("metadata") or {}
            if (
                meta.get("event_type") == EVENT_TYPE
                and (meta.get("event_payload") or {}).get("delivery") == key
            ):
                return place, str(message.get("ts"))
        return None

    def _failed(self, method: str, exc: BaseException) -> Delivery:
        """The ``Delivery`` a Web API failure means: rate limits and outages are retried, refusals are not."""
        if isinstance(exc, SlackApiError):
            status = getattr(exc.response, "status_code", 0)
            error = clean(str(exc.response.get("error") or ""), 100) or "error"
            reason = redact(f"{method}: {error} (HTTP {status})", self._token)
            hint = http.retry_after_seconds(_header(getattr(exc.response, "headers", None), "retry-after"))
            if status == 429 or status >= 500 or error in _TRANSIENT_ERRORS:
                return Delivery.failed(self.name, reason, retry_after=hint)
            return Delivery.failed(self.name, reason, permanent=True)
        if isinstance(exc, TimeoutError):
            return Delivery.failed(self.name, f"{method}: timeout: no answer in time")
        if isinstance(exc, aiohttp.ClientError | OSError | SlackClientError):
            return Delivery.failed(self.name, f"{method}: " + describe_exception(exc, self._token))
        raise exc
