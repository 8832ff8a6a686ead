"""Slack incoming webhooks: Block Kit messages, one per second per webhook.

The webhook URL is the secret (it carries the token): it is read from the
environment variable named by ``webhook_url_env`` and never printed. Slack
shows about one message per second per channel and hides the excess, so
``folds`` is on: the delivery loop folds a burst into one message listing
up to ``max_batch`` alerts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Literal, Self

import httpx
from pydantic import Field, SecretStr

from alerts.channels import http
from alerts.channels.base import Channel, ChannelContext, ChannelOptions, Delivery, require_env
from alerts.render import slack as render
from wirewatch.durations import Duration
from wirewatch.records import Alert


class SlackOptions(ChannelOptions):
    """``type: slack`` block of channels.yaml."""

    type: Literal["slack"]
    webhook_url_env: str = Field(pattern=r"^[A-Z_][A-Z0-9_]*$")
    timeout: Duration = 10.0
    #: least seconds between two posts to this webhook
    min_interval: Duration = 1.0


class SlackChannel(Channel):
    """Posts Block Kit JSON to a Slack incoming webhook."""

    type = "slack"
    Options = SlackOptions
    folds = True
    # 1 header + 1 divider + one section per alert + 1 context stays under 50 blocks.
    max_batch = 20

    def __init__(self, options: SlackOptions, url: SecretStr, client: httpx.AsyncClient | None = None):
        super().__init__(options)
        self._url = url
        self._client = client or http.new_client(options.timeout)
        self.min_interval = options.min_interval

    @classmethod
    def from_config(cls, options: ChannelOptions, context: ChannelContext) -> Self:
        assert isinstance(options, SlackOptions)
        return cls(options, require_env(context.env, options.webhook_url_env, options.name))

    @property
    def rate_key(self) -> str:
        # Hash, so the key (shown in debug output) does not reveal the token.
        return "slack:" + hashlib.sha256(self._url.get_secret_value().encode()).hexdigest()[:16]

    async def _post(self, payload: dict[str, object]) -> Delivery:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return await http.post(self._client, self.name, self._url, body, headers)

    async def send(self, alert: Alert) -> Delivery:
        return await self._post(render.alert_payload(alert))

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        if len(alerts) == 1 and not digest:
            return await self.send(alerts[0])
        return await self._post(render.batch_payload(alerts, digest=digest))

    async def aclose(self) -> None:
        await self._client.aclose()
