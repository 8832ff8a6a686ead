"""The links of emails and Slack webhook messages: ``/act?token=…`` confirms, its POST acts once.

A link carries a signed, expiring ``LinkClaim`` (``wirewatch.actions.verify_link``). GET
never acts: it shows what the link would do, with a form (CSRF) that posts it. Both need a
session (without one, ``/login?next=…`` keeps the token), and the action is the session
user's, with that user's role. The claim's nonce becomes the action id, so a second use is
refused (409) by this replica and, once projected, by every other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from console.accounts import User
from console.actions import ActionRefused, Actions
from wirewatch.actions import ActionSource, verify_link
from wirewatch.errors import RecordError

Render = Callable[..., Response]
UserDependency = Callable[[str], Callable[[Request], Awaitable[User]]]


def link_routes(
    acting: Callable[[], Actions],
    render: Render,
    page_user: UserDependency,
    refused: Callable[[Request, ActionRefused], Response],
) -> APIRouter:
    """``GET /act`` and ``POST /act``."""
    from console.web.app import story_href

    router = APIRouter()

    def claim_of(token: str) -> Any:
        secret = acting().link_secret
        if not secret:
            raise HTTPException(
                400, "This console verifies no links (WIREWATCH_ACTION_LINK_SECRET is not set)."
            )
        try:
            claim = verify_link(secret, token)
        except RecordError as exc:
            raise HTTPException(
                400, f"This link cannot be used: {str(exc).removeprefix('link: ')}."
            ) from None
        if acting().used(claim.nonce):
            raise HTTPException(409, "This link was used already: its action is done.")
        return claim

    @router.get("/act", include_in_schema=False)
    async def act_page(
        request: Request, token: str = "", user: User = Depends(page_user("view"))
    ) -> Response:
        claim = claim_of(token)
        if claim.kind == "silence":
            return RedirectResponse(
                "/silences/new?" + urlencode({"story_key": claim.story_key}), status_code=303
            )
        return render(request, "act.html", title="Confirm", claim=claim, token=token)

    @router.post("/act", include_in_schema=False)
    async def act(
        request: Request,
        token: str = Form(""),
        minutes: str = Form("60"),
        reason: str = Form(""),
    ) -> Response:
        from console.web.app import LoginRequired

        try:
            user = await page_user("view")(request)
        except LoginRequired:
            # the session ended between the confirmation page and this POST: log in, then confirm
            return RedirectResponse(
                "/login?" + urlencode({"next": "/act?" + urlencode({"token": token})}), status_code=303
            )
        claim = claim_of(token)
        source: ActionSource = "slack" if "slack" in claim.channel.lower() else "email"
        a = acting()

        async def do() -> Any:
            if claim.kind == "acknowledge":
                return await a.acknowledge(user, claim.story_key, source, action_id=claim.nonce)
            if claim.kind == "snooze":
                return await a.snooze(
                    user, claim.story_key, int(minutes or 60), source, action_id=claim.nonce
                )
            if claim.kind == "not_relevant":
                return await a.not_relevant(user, claim.alert_id, reason, source, action_id=claim.nonce)
            raise ActionRefused(f"a link cannot {claim.kind}")

        try:
            await do()
        except ValueError:
            return refused(request, ActionRefused("snooze: give a number of minutes"))
        except ActionRefused as exc:
            return refused(request, exc)
        return RedirectResponse(story_href(claim.story_key), status_code=303)

    return router
