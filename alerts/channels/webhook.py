"""Generic webhooks: the alert as JSON, signed with HMAC-SHA256.

Every POST carries:

- ``X-Wirewatch-Timestamp``: Unix seconds when the request was signed;
- ``X-Wirewatch-Signature``: ``sha256=`` + hex HMAC-SHA256, keyed with the
  channel secret, over the bytes ``<timestamp>.<body>``;
- ``X-Wirewatch-Delivery``: a stable id (``<alert_id>:<channel>``, or a hash of
  the ids for a batch) that stays the same across retries.

A receiver verifies with ``verify_signature`` (or the same three lines in
any language): recompute the HMAC over ``timestamp + "." + raw body``,
compare in constant time, reject a timestamp more than five minutes away
from its clock, and drop a delivery id it has already seen in that window.
That rejects forged, altered and replayed requests.

Body: ``{"type": "alert", "delivery_id", "channel", "alert": {...}}``, or
``{"type": "batch" | "digest", "delivery_id", "channel", "alerts": [...]}``
with the fields of ``wirewatch.records.Alert``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any, Literal, Self

import httpx
from pydantic import Field, SecretStr, model_validator

from alerts.channels import http
from alerts.channels.base import Channel, ChannelContext, ChannelOptions, Delivery, require_env
from wirewatch.durations import Duration
from wirewatch.records import Alert

SIGNATURE_HEADER = "X-Wirewatch-Signature"
TIMESTAMP_HEADER = "X-Wirewatch-Timestamp"
DELIVERY_HEADER = "X-Wirewatch-Delivery"
#: how far a receiver should accept a timestamp from its own clock
TOLERANCE_S = 300

_ENV = r"^[A-Z_][A-Z0-9_]*$"


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` over ``<timestamp>.<body>``."""
    mac = hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: bytes,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float | None = None,
    tolerance_s: float = TOLERANCE_S,
) -> bool:
    """True when ``signature`` is ours for ``body`` and ``timestamp`` is fresh.

    For receivers (and tests): a stale or future timestamp is refused, so a
    captured request cannot be replayed later; within the window, receivers
    dedupe on ``X-Wirewatch-Delivery``.
    """
    if not timestamp or not signature:
        return False
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


class WebhookOptions(ChannelOptions):
    """``type: webhook`` block: ``url`` or ``url_env``, and the HMAC key's ``secret_env``."""

    type: Literal["webhook"]
    url: str | None = Field(
        default=None, pattern=r"^https?://\S+$", description="where to POST; give this or url_env"
    )
    url_env: str | None = Field(
        default=None, pattern=_ENV, description="environment variable holding the URL, when it is a secret"
    )
    secret_env: str | None = Field(
        default=None, pattern=_ENV, description="environment variable holding the HMAC-SHA256 signing key"
    )
    timeout: Duration = Field(default=10.0, description="longest wait for the receiver's answer")

    @model_validator(mode="after")
    def _one_url(self) -> WebhookOptions:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url or url_env")
        return self


def delivery_id(alerts: Sequence[Alert], channel: str) -> str:
    """Stable across retries: ``<alert_id>:<channel>``, or a hash of the ids for a batch."""
    if len(alerts) == 1:
        return f"{alerts[0].alert_id}:{channel}"
    joined = "\n".join(a.alert_id for a in alerts)
    return "batch-" + hashlib.sha256(f"{joined}\n{channel}".encode()).hexdigest()[:32]


def payload(alerts: Sequence[Alert], channel: str, kind: str) -> dict[str, Any]:
    """The JSON body (see the module docstring)."""
    body: dict[str, Any] = {"type": kind, "delivery_id": delivery_id(alerts, channel), "channel": channel}
    if kind == "alert":
        body["alert"] = alerts[0].model_dump(mode="json")
    else:
        body["alerts"] = [a.model_dump(mode="json") for a in alerts]
    return body


class WebhookChannel(Channel):
    """POSTs signed JSON to a URL."""

    type = "webhook"
    Options = WebhookOptions
    max_batch = 100

    def __init__(
        self,
        options: WebhookOptions,
        url: SecretStr,
        secret: SecretStr | None,
        client: httpx.AsyncClient | None = None,
    ):
        super().__init__(options)
        self._url = url
        self._secret = secret
        self._client = client or http.new_client(options.timeout)

    @classmethod
    def from_config(cls, options: ChannelOptions, context: ChannelContext) -> Self:
        assert isinstance(options, WebhookOptions)
        if options.url_env:
            url = require_env(context.env, options.url_env, options.name)
        else:
            url = SecretStr(options.url or "")
        secret = require_env(context.env, options.secret_env, options.name) if options.secret_env else None
        return cls(options, url, secret)

    async def _post(self, alerts: Sequence[Alert], kind: str) -> Delivery:
        data = payload(alerts, self.name, kind)
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", DELIVERY_HEADER: data["delivery_id"]}
        if self._secret is not None:
            ts = int(time.time())
            headers[TIMESTAMP_HEADER] = str(ts)
            headers[SIGNATURE_HEADER] = sign(self._secret.get_secret_value().encode(), ts, body)
        return await http.post(self._client, self.name, self._url, body, headers)

    async def send(self, alert: Alert) -> Delivery:
        return await self._post([alert], "alert")

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        return await self._post(alerts, "digest" if digest else "batch")

    async def aclose(self) -> None:
        await self._client.aclose()
