"""The analysts' actions as pages and API endpoints: an ``APIRouter`` the app includes.

Pages (session, CSRF on every form, role asked of ``console.permissions``): the feed's and
the story page's Acknowledge / Snooze / Mute… / Not relevant forms post here and go back
where they came from; ``/silences`` lists silences and ends them; ``/silences/new`` makes
one; ``/audit`` (admins) is the audit log; ``/act?token=…`` is the confirmation page of an
email or Slack link. API (Bearer token, in the OpenAPI document): the endpoints of
DESIGN.md's console contract. Slack's button clicks come to ``/slack/actions``.
Every action goes through ``console.actions.Actions``, whose refusals carry their status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from jinja2 import Environment
from pydantic import BaseModel, Field

from console import action_metrics
from console.accounts import Accounts, User
from console.actions import ActionRefused, Actions, Forbidden
from wirewatch.actions import (
    MATCHER_KEYS,
    SLACK_ACTION_PREFIX,
    Action,
    ActionSource,
    matches,
    parse_slack_button_value,
    verify_link,
)
from wirewatch.errors import RecordError
from wirewatch.records import Alert

from .slack import SLACK_PATH, slack_refusal

SNOOZE_CHOICES = (60, 360, 1440)
Render = Callable[..., Response]
UserDependency = Callable[[str], Callable[[Request], Awaitable[User]]]


class SnoozeIn(BaseModel):
    minutes: int = Field(ge=1, le=30 * 24 * 60, description="how long the story's updates are held")


class SilenceIn(BaseModel):
    matchers: dict[str, str | list[str]] = Field(
        description='over rule, actor, region, escalation, severity: {"region": "Idlib"}'
    )
    ends_at: datetime
    starts_at: datetime | None = Field(None, description="default: now")
    channels: list[str] = Field([], description="channel names; [] = every channel")
    comment: str = Field(description="why (mandatory)")


class NotRelevantIn(BaseModel):
    reason: str = Field("", max_length=2000)


class SilenceOut(BaseModel):
    id: str
    action_id: str


class ActionsOut(BaseModel):
    actions: list[Action]


class SilenceState(BaseModel):
    id: str
    state: str = Field(description="pending, active, expired or ended")
    created_by: str
    silence: Action


class SilencesOut(BaseModel):
    silences: list[SilenceState]


def duration(minutes: int) -> str:
    """60 → ``1 h``, 90 → ``90 min``."""
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def silence_state(s: Action, now: datetime) -> str:
    if s.cancelled:
        return "ended"
    assert s.starts_at is not None and s.ends_at is not None
    if now < s.starts_at:
        return "pending"
    return "active" if now < s.ends_at else "expired"


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
        listed = acting().action_store.actions(user_name[:64] or None, kind[:20] or None, limit=500)
        return render(request, "audit.html", title="Audit log", actions=listed, who=user_name, kind=kind)

    # -- links from emails and Slack webhook messages ---------------------------------------

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
        user: User = Depends(page_user("view")),
    ) -> Response:
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
        return RedirectResponse(story_default(claim.story_key), status_code=303)

    # -- Slack buttons ----------------------------------------------------------------------

    @router.post(SLACK_PATH, include_in_schema=False)
    async def slack_actions(request: Request) -> Response:
        body = await request.body()
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

    # -- the API ----------------------------------------------------------------------------

    def api_refused(exc: ActionRefused) -> HTTPException:
        return HTTPException(exc.status, str(exc))

    @router.post("/api/v1/stories/{story_key}/acknowledge", response_model=Action, tags=["actions"])
    async def api_acknowledge(story_key: str, user: User = Depends(api_user)) -> Action:
        """Acknowledge a story: no more pushes for it, unless its severity rises."""
        try:
            return await acting().acknowledge(user, story_key, "api")
        except ActionRefused as exc:
            raise api_refused(exc) from None

    @router.post("/api/v1/stories/{story_key}/snooze", response_model=Action, tags=["actions"])
    async def api_snooze(story_key: str, body: SnoozeIn, user: User = Depends(api_user)) -> Action:
        """Hold a story's updates for ``minutes``; the next one after that says what happened meanwhile."""
        try:
            return await acting().snooze(user, story_key, body.minutes, "api")
        except ActionRefused as exc:
            raise api_refused(exc) from None

    @router.post("/api/v1/silences", response_model=SilenceOut, tags=["actions"])
    async def api_silence(body: SilenceIn, user: User = Depends(api_user)) -> SilenceOut:
        """Mute alerts matching every matcher, on ``channels`` (default all), until ``ends_at``."""
        try:
            done = await acting().silence(
                user,
                "api",
                matchers=body.matchers,
                ends_at=body.ends_at,
                comment=body.comment,
                starts_at=body.starts_at,
                channels=body.channels,
            )
        except ActionRefused as exc:
            raise api_refused(exc) from None
        return SilenceOut(id=done.silence_id, action_id=done.action_id)

    @router.delete("/api/v1/silences/{silence_id}", response_model=Action, tags=["actions"])
    async def api_end_silence(silence_id: str, user: User = Depends(api_user)) -> Action:
        """End a silence now (the record stays in the history)."""
        try:
            return await acting().end_silence(user, silence_id, "api")
        except ActionRefused as exc:
            raise api_refused(exc) from None

    @router.post("/api/v1/alerts/{alert_id}/not-relevant", response_model=Action, tags=["actions"])
    async def api_not_relevant(alert_id: str, body: NotRelevantIn, user: User = Depends(api_user)) -> Action:
        """Mark an alert not relevant, with the evidence it matched (a labelled case for tuning)."""
        try:
            return await acting().not_relevant(user, alert_id, body.reason, "api")
        except ActionRefused as exc:
            raise api_refused(exc) from None

    @router.get("/api/v1/actions", response_model=ActionsOut, tags=["actions"])
    async def api_actions(
        user_name: str | None = Query(None, alias="user"),
        kind: str | None = None,
        limit: int = Query(200, ge=1, le=1000),
        user: User = Depends(api_user),
    ) -> ActionsOut:
        """The audit log: every action this console has read, newest first."""
        return ActionsOut(actions=acting().action_store.actions(user_name, kind, limit))

    @router.get("/api/v1/silences", response_model=SilencesOut, tags=["actions"])
    async def api_silences(user: User = Depends(api_user)) -> SilencesOut:
        """Every silence, newest first, with its state now."""
        now = datetime.now(UTC)
        store = acting().action_store
        authors = store.silence_authors()
        return SilencesOut(
            silences=[
                SilenceState(
                    id=s.silence_id,
                    state=silence_state(s, now),
                    created_by=authors.get(s.silence_id, s.actor),
                    silence=s,
                )
                for s in store.silences()
            ]
        )

    return router
