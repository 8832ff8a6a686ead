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
import json
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from console import action_metrics
from console.accounts import Accounts
from console.actions import ActionRefused, Actions
from console.web.security import CSRFMiddleware, Receive, Scope, Send
from wirewatch.actions import SLACK_ACTION_PREFIX, parse_slack_button_value
from wirewatch.errors import RecordError

SLACK_PATH = "/slack/actions"
MAX_AGE_S = 5 * 60
#: a block_actions payload is a few kilobytes; Slack's own limit on a message is 40k characters
MAX_BODY_BYTES = 64 * 1024


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


def slack_routes(acting: Callable[[], Actions], accounts: Accounts) -> APIRouter:
    """``POST /slack/actions``: a verified click acts as the linked console user, source "slack".

    Slack wants a 200 within three seconds: a user who is not linked, whose role may not, or
    whose action is refused gets a 200 with an ephemeral text saying so; only a request that
    is not Slack's (signature) is a 401, and a payload that is not block_actions a 400.
    """
    from console.web.actions import duration

    router = APIRouter()

    @router.post(SLACK_PATH, include_in_schema=False)
    async def slack_actions(request: Request) -> Response:
        # unauthenticated until the signature is checked: read no more than a click can be
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                action_metrics.SLACK_REFUSED.labels("too_large").inc()
                return JSONResponse({"detail": "refused: body too large"}, 413)
        a = acting()
        reason = slack_refusal(
            a.slack_secret,
            request.headers.get("x-slack-request-timestamp"),
            request.headers.get("x-slack-signature"),
            body,
        )
        if reason is not None:
            action_metrics.SLACK_REFUSED.labels(reason).inc()
            return JSONResponse({"detail": f"refused: {reason.replace('_', ' ')}"}, 401)

        def say(text: str) -> Response:
            return JSONResponse({"response_type": "ephemeral", "text": text})

        try:
            payload = json.loads(parse_qs(body.decode("utf-8"))["payload"][0])
            slack_id = str(payload["user"]["id"])
            button = payload["actions"][0]
            if not str(button.get("action_id", "")).startswith(SLACK_ACTION_PREFIX):
                return say("Not a Wirewatch button.")
            value = parse_slack_button_value(str(button.get("value", "")))
        except (KeyError, IndexError, TypeError, ValueError, RecordError):
            return JSONResponse({"detail": "not a Slack block_actions payload"}, 400)
        user = accounts.slack_user(slack_id)
        if user is None:
            return say(
                "Your Slack account is not linked to a Wirewatch console user: ask an admin "
                f"(`wirewatch console user link NAME --slack-id {slack_id}`)."
            )
        kind, story_key = str(value["kind"]), str(value["story_key"])
        try:
            if kind == "acknowledge":
                await a.acknowledge(user, story_key, "slack")
                return say(f"Acknowledged by {user.name}")
            if kind == "snooze":
                minutes = int(str(value.get("minutes") or 60))
                await a.snooze(user, story_key, minutes, "slack")
                return say(f"Snoozed for {duration(minutes)} by {user.name}")
            if kind == "not_relevant":
                await a.not_relevant(user, str(value.get("alert_id", "")), "", "slack")
                return say(f"Marked not relevant by {user.name}")
            return say("Muting needs a comment: open the story in the console and use Mute….")
        except (ValueError, ActionRefused) as exc:
            return say(f"Not done: {exc}")

    return router
