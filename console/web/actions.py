"""The analysts' actions as pages: an ``APIRouter`` the app includes, with the others'.

Pages (session, CSRF on every form, role asked of ``console.permissions``): the feed's and
the story page's Acknowledge / Snooze / Mute… / Not relevant forms post here and go back
where they came from; ``/silences`` lists silences and ends them; ``/silences/new`` makes
one; ``/audit`` (admins) is the audit log. ``action_router`` also includes the links'
confirmation pages (``links``), Slack's button clicks (``slack``) and the API
(``action_api``). Every action goes through ``console.actions.Actions``, whose refusals
carry their status.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import Environment

from console.accounts import Accounts, User
from console.actions import ActionRefused, Actions, Forbidden
from wirewatch.actions import (
    MATCHER_KEYS,
    matches,
)
from wirewatch.errors import WirewatchError
from wirewatch.records import Alert

from .action_api import api_routes, silence_state
from .links import link_routes
from .slack import slack_routes

SNOOZE_CHOICES = (60, 360, 1440)
Render = Callable[..., Response]
UserDependency = Callable[[str], Callable[[Request], Awaitable[User]]]


def duration(minutes: int) -> str:
    """60 → ``1 h``, 90 → ``90 min``."""
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def story_actions(actions: Actions, story_key: str) -> dict[str, Any]:
    """What the story page shows of the actions: acknowledged, snoozed, muted, marks, receipts."""
    now = datetime.now(UTC)
    state = actions.action_store.state(story_key)
    ack = state.get("acknowledge")
    snooze = state.get("snooze")
    story = actions.store.story(story_key)
    muted = []
    if story is not None:
        latest = Alert.model_validate(story["latest"]["record"])
        muted = [
            s
            for s in actions.action_store.silences()
            if silence_state(s, now) == "active" and matches(s.matchers, latest)
        ]
    return {
        "acknowledged": ack if ack and not ack["cancelled"] else None,
        "snoozed": snooze
        if snooze
        and not snooze["cancelled"]
        and snooze["until"]
        and datetime.fromisoformat(snooze["until"]) > now
        else None,
        "muted": muted,
        "marks": actions.action_store.marks(story_key),
        "receipts": actions.action_store.receipts(story_key),
    }


def install(env: Environment, actions: Actions | None) -> None:
    """Give the templates what they need to show actions (``story_actions``, the snooze choices)."""
    env.globals["story_actions"] = (
        (lambda key: story_actions(actions, key)) if actions else (lambda key: None)
    )
    env.globals["SNOOZE_CHOICES"] = SNOOZE_CHOICES
    env.globals["duration"] = duration
    env.globals["MATCHER_KEYS"] = MATCHER_KEYS


def live_controls(request: Request, user: User) -> dict[str, Any]:
    """What a live feed row needs to carry its user's action controls (going back to the feed)."""
    from console.permissions import allowed

    from .security import CSRF_FIELD

    return {
        "can": lambda action: allowed(user, action),
        "csrf_field": CSRF_FIELD,
        "csrf_token": request.state.csrf_token,
        "back": "/",
    }


def _safe_back(target: str, default: str) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def action_router(
    actions: Actions | None,
    accounts: Accounts,
    render: Render,
    page_user: UserDependency,
    api_user: Callable[..., Awaitable[User]],
) -> APIRouter:
    """The routes of the actions; ``actions`` None (no Kafka configured) answers 503 to each act.

    Its lifespan runs the actions projector (if any) and closes the producer.
    """

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        task = None
        if actions is not None and actions.projector is not None:
            task = asyncio.create_task(actions.projector.run(), name="console-action-projector")
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if actions is not None and actions.producer is not None:
                await actions.producer.close()

    router = APIRouter(lifespan=lifespan)
    channel_names = actions.channel_names if actions else []

    def acting() -> Actions:
        if actions is None:
            raise HTTPException(503, "this console follows no Kafka: actions are unavailable")
        return actions

    def refused(request: Request, exc: ActionRefused) -> Response:
        return render(request, "error.html", exc.status, message=str(exc), title="Not done")

    async def page_act(
        request: Request, back: str, default: str, act: Callable[[], Awaitable[Any]]
    ) -> Response:
        try:
            await act()
        except ActionRefused as exc:
            return refused(request, exc)
        return RedirectResponse(_safe_back(back, default), status_code=303)

    # -- the story's forms (feed rows and the story page) ----------------------------------

    def story_default(story_key: str) -> str:
        from console.web.app import story_href

        return story_href(story_key)

    @router.post("/stories/{story_key}/acknowledge", include_in_schema=False)
    async def acknowledge_page(
        request: Request, story_key: str, next: str = Form(""), user: User = Depends(page_user("view"))
    ) -> Response:
        return await page_act(
            request, next, story_default(story_key), lambda: acting().acknowledge(user, story_key, "console")
        )

    @router.post("/stories/{story_key}/snooze", include_in_schema=False)
    async def snooze_page(
        request: Request,
        story_key: str,
        minutes: str = Form(""),
        custom_minutes: str = Form(""),
        next: str = Form(""),
        user: User = Depends(page_user("view")),
    ) -> Response:
        chosen = custom_minutes.strip() if minutes == "custom" or not minutes else minutes
        try:
            count = int(chosen)
        except ValueError:
            return refused(request, ActionRefused("snooze: choose a duration, or give a number of minutes"))
        return await page_act(
            request,
            next,
            story_default(story_key),
            lambda: acting().snooze(user, story_key, count, "console"),
        )

    @router.post("/stories/{story_key}/{kind}/end", include_in_schema=False)
    async def end_hold_page(
        request: Request,
        story_key: str,
        kind: str,
        next: str = Form(""),
        user: User = Depends(page_user("view")),
    ) -> Response:
        if kind not in ("acknowledge", "snooze"):
            raise HTTPException(404, "only an acknowledgement or a snooze can be ended")
        return await page_act(
            request,
            next,
            story_default(story_key),
            lambda: acting().end_hold(user, story_key, kind, "console"),
        )

    @router.post("/alerts/{alert_id}/not-relevant", include_in_schema=False)
    async def not_relevant_page(
        request: Request,
        alert_id: str,
        reason: str = Form(""),
        next: str = Form(""),
        user: User = Depends(page_user("view")),
    ) -> Response:
        stored = acting().store.alert(alert_id)
        default = story_default(stored["story_key"]) if stored else "/"
        return await page_act(
            request, next, default, lambda: acting().not_relevant(user, alert_id, reason, "console")
        )

    # -- silences ---------------------------------------------------------------------------

    def silences_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
        now = datetime.now(UTC)
        listed = acting().action_store.silences() if actions else []
        authors = acting().action_store.silence_authors() if actions else {}
        return render(
            request,
            "silences.html",
            status_code,
            title="Silences",
            silences=[(s, silence_state(s, now), authors.get(s.silence_id, s.actor)) for s in listed],
            **extra,
        )

    @router.get("/silences", include_in_schema=False)
    async def silences(request: Request, user: User = Depends(page_user("view"))) -> Response:
        return silences_page(request)

    def new_silence_form(
        request: Request, story_key: str, status_code: int = 200, error: str | None = None, **given: Any
    ) -> Response:
        proposed: list[tuple[str, str]] = []
        if story_key and actions is not None:
            story = actions.store.story(story_key)
            if story is None:
                raise HTTPException(
                    404, f"No story {story_key[:100]!r}: it may not have reached this console yet."
                )
            latest = Alert.model_validate(story["latest"]["record"])
            proposed = [("region", v) for v in latest.regions] + [("actor", v) for v in latest.actors]
            proposed += [("escalation", v) for v in latest.escalations]
            proposed += [("rule", v) for v in (latest.rules or [latest.rule])]
        checked = set(
            given.get(
                "checked",
                [f"{k}={v}" for k, v in proposed if k == "region"] or [f"{k}={v}" for k, v in proposed[:1]],
            )
        )
        return render(
            request,
            "silence_form.html",
            status_code,
            title="New silence",
            story_key=story_key,
            proposed=proposed,
            checked=checked,
            channel_names=channel_names or [],
            error=error,
            given=given,
        )

    @router.get("/silences/new", include_in_schema=False)
    async def new_silence(
        request: Request, story_key: str = "", user: User = Depends(page_user("silence"))
    ) -> Response:
        return new_silence_form(request, story_key[:300])

    @router.post("/silences", include_in_schema=False)
    async def create_silence(request: Request, user: User = Depends(page_user("view"))) -> Response:
        form = await request.form()
        story_key = str(form.get("story_key", ""))
        checked = [str(v) for v in form.getlist("m")]
        matchers: dict[str, list[str]] = {}
        for pair in checked:
            key, _, value = pair.partition("=")
            matchers.setdefault(key, []).append(value)
        for key in MATCHER_KEYS:
            extra = str(form.get(f"extra_{key}", ""))
            for value in (v.strip() for v in extra.split(",")):
                if value:
                    matchers.setdefault(key, []).append(value)
        channels = [str(c) for c in form.getlist("channels") if str(c)]
        comment = str(form.get("comment", ""))
        hours, until = str(form.get("hours", "")).strip(), str(form.get("ends_at", "")).strip()
        given = {
            "checked": checked,
            "comment": comment,
            "hours": hours,
            "ends_at": until,
            "channels": channels,
        }
        try:
            ends_at = _moment(until) if until else datetime.now(UTC) + timedelta(hours=float(hours or "nan"))
        except (ValueError, OverflowError):
            return new_silence_form(
                request, story_key, 400, "say when it ends: a number of hours or a date and time", **given
            )
        try:
            await acting().silence(
                user, "console", matchers=matchers, ends_at=ends_at, comment=comment, channels=channels
            )
        except Forbidden as exc:
            return refused(request, exc)
        except ActionRefused as exc:
            if exc.status != 400:
                return refused(request, exc)
            return new_silence_form(request, story_key, 400, str(exc), **given)
        back = story_default(story_key) if story_key else "/silences"
        return RedirectResponse(back if story_key else "/silences", status_code=303)

    @router.post("/silences/{silence_id}/end", include_in_schema=False)
    async def end_silence_page(
        request: Request, silence_id: str, user: User = Depends(page_user("view"))
    ) -> Response:
        return await page_act(
            request, "/silences", "/silences", lambda: acting().end_silence(user, silence_id, "console")
        )

    # -- the audit log ----------------------------------------------------------------------

    @router.get("/audit", include_in_schema=False)
    async def audit(
        request: Request,
        user_name: str = Query("", alias="user"),
        kind: str = "",
        user: User = Depends(page_user("audit")),
    ) -> Response:
        listed = []
        if kind != "watchlist":
            listed = acting().action_store.actions(user_name[:64] or None, kind[:20] or None, limit=500)
        # the watchlist's applies and rollbacks: its history topic is their audit log
        versions: list[Any] = []
        history_error = None
        workbench = getattr(request.app.state.console, "workbench", None)
        if workbench is not None and kind in ("", "watchlist"):
            try:
                versions = [v for v in await workbench.history() if not user_name or v.author == user_name]
            except WirewatchError as exc:
                history_error = str(exc)
        return render(
            request,
            "audit.html",
            title="Audit log",
            actions=listed,
            versions=versions,
            history_error=history_error,
            who=user_name,
            kind=kind,
        )

    router.include_router(link_routes(acting, render, page_user, refused))
    router.include_router(slack_routes(acting, accounts))
    router.include_router(api_routes(acting, api_user))
    return router
