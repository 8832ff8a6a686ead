"""Slack and webhook channels over httpx.MockTransport: statuses → Delivery, signatures, secrets."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from alerts.channels.http import retry_after_seconds
from alerts.channels.slack import SlackChannel, SlackOptions
from alerts.channels.webhook import WebhookChannel, WebhookOptions, sign, verify_signature
from alerts.samples import sample_alert

TOKEN_URL = "https://hooks.slack.example/services/T0/B0/TOPSECRETTOKEN"
KEY = "hmac-key-123"

Handler = Callable[[httpx.Request], httpx.Response]


def slack(handler: Handler) -> SlackChannel:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    options = SlackOptions(name="ops", type="slack", webhook_url_env="X")
    return SlackChannel(options, SecretStr(TOKEN_URL), client)


def webhook(handler: Handler) -> WebhookChannel:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    options = WebhookOptions(name="siem", type="webhook", url="https://siem.example/h", secret_env="K")
    url = SecretStr("https://siem.example/h?token=TOPSECRETTOKEN")
    return WebhookChannel(options, url, SecretStr(KEY), client)


def _raise(exc: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"cannot reach {request.url}")


@pytest.mark.parametrize("make", [slack, webhook], ids=["slack", "webhook"])
@pytest.mark.parametrize(
    ("handler", "ok", "permanent", "retry_after", "reason"),
    [
        (lambda r: httpx.Response(200, text="ok"), True, False, None, ""),
        (lambda r: httpx.Response(204), True, False, None, ""),
        (lambda r: httpx.Response(429, headers={"Retry-After": "7"}), False, False, 7.0, "HTTP 429"),
        (lambda r: httpx.Response(500, text="oops"), False, False, None, "HTTP 500: oops"),
        (lambda r: httpx.Response(503, headers={"Retry-After": "2"}), False, False, 2.0, "HTTP 503"),
        (lambda r: httpx.Response(404, text="no_service"), False, True, None, "HTTP 404: no_service"),
        (lambda r: httpx.Response(403, text="invalid_token"), False, True, None, "HTTP 403"),
        (lambda r: httpx.Response(301, headers={"Location": "/x"}), False, True, None, "HTTP 301"),
        (_raise(httpx.ReadTimeout("slow")), False, False, None, "timeout"),
        (_unreachable, False, False, None, "ConnectError: cannot reach <redacted>"),
    ],
)
async def test_status_maps_to_delivery(
    make: Callable[[Handler], SlackChannel | WebhookChannel],
    handler: Handler,
    ok: bool,
    permanent: bool,
    retry_after: float | None,
    reason: str,
) -> None:
    channel = make(handler)
    delivery = await channel.send(sample_alert())
    await channel.aclose()
    assert (delivery.ok, delivery.permanent, delivery.retry_after) == (ok, permanent, retry_after)
    assert reason in delivery.reason
    assert "TOPSECRETTOKEN" not in delivery.reason and KEY not in delivery.reason


async def test_slack_posts_block_kit_json() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    channel = slack(handler)
    await channel.send(sample_alert())
    await channel.send_batch([sample_alert(1), sample_alert(2)])
    body = json.loads(seen[0].content)
    assert body["blocks"][0]["type"] == "section" and body["text"].startswith("HIGH")
    assert "2 new alerts" in seen[1].content.decode()
    assert str(seen[0].url) == TOKEN_URL


async def test_webhook_signature_verifies_and_rejects_tampering_and_replays() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    channel = webhook(handler)
    await channel.send(sample_alert(3))
    request = seen[0]
    ts, sig = request.headers["X-Wirewatch-Timestamp"], request.headers["X-Wirewatch-Signature"]
    body = request.content
    assert sig.startswith("sha256=")
    assert verify_signature(KEY.encode(), ts, sig, body)
    assert not verify_signature(KEY.encode(), ts, sig, body + b" ")
    assert not verify_signature(b"other-key", ts, sig, body)
    assert not verify_signature(KEY.encode(), ts, sig, body, now=time.time() + 3600)  # a replay, later
    assert not verify_signature(KEY.encode(), None, sig, body)
    payload = json.loads(body)
    assert payload["type"] == "alert" and payload["alert"]["alert_id"] == "story-3:r0"
    assert request.headers["X-Wirewatch-Delivery"] == "story-3:r0:siem"


def test_sign_is_hmac_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign(b"k", 1700000000, b"{}") == f"sha256={expected}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), ("0.5", 0.5), ("-3", 0.0), ("999999", 3600.0), ("soon", None), (None, None), ("nan", None)],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_http_date() -> None:
    from email.utils import format_datetime

    from wirewatch.records import utcnow

    later = format_datetime(utcnow().replace(microsecond=0), usegmt=True)
    assert retry_after_seconds(later) is not None
