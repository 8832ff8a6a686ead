"""Slack's interactivity requests: their signature, and the CSRF exemption of exactly their path.

Slack signs each request it posts to ``/slack/actions``: ``X-Slack-Signature`` is ``v0=`` and
the hex HMAC-SHA256, under the app's signing secret, of ``v0:{X-Slack-Request-Timestamp}:{body}``.
That signature is the request's only authentication (Slack sends no session and no CSRF
token), so the path is exempt from the CSRF check and refuses (401) anything unsigned,
wrongly signed or older than five minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from console.web.security import CSRFMiddleware, Receive, Scope, Send

SLACK_PATH = "/slack/actions"
MAX_AGE_S = 5 * 60


def slack_refusal(
    secret: str | None, timestamp: str | None, signature: str | None, body: bytes, now: float | None = None
) -> str | None:
    """Why a Slack request is refused (no_secret, missing, stale, bad_signature), else None."""
    if not secret:
        return "no_secret"
    if not timestamp or not signature:
        return "missing"
    try:
        sent_at = int(timestamp)
    except ValueError:
        return "missing"
    if abs((time.time() if now is None else now) - sent_at) > MAX_AGE_S:
        return "stale"
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, signature) else "bad_signature"


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` Slack would send (for tests and stand-ins)."""
    return (
        "v0="
        + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    )


class CSRFExceptSlack(CSRFMiddleware):
    """``CSRFMiddleware``, except for ``POST /slack/actions``: Slack's signature authenticates it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == SLACK_PATH and scope["method"] == "POST":
            state = scope.setdefault("state", {})
            state["session_id"] = None
            state["csrf_token"] = ""
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
