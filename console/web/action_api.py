"""The actions' JSON API (Bearer tokens; in the OpenAPI document), as DESIGN.md's contract says.

Every endpoint acts with the token user's role through ``console.actions.Actions``; a refusal
becomes its status (400 bad input, 403 role, 404 unknown, 503 Kafka) with the reason in
``detail``; a body that does not parse is FastAPI's 422.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from console.accounts import User
from console.actions import ActionRefused, Actions
from wirewatch.actions import Action


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


def silence_state(s: Action, now: datetime) -> str:
    """pending, active, expired or ended."""
    if s.cancelled:
        return "ended"
    assert s.starts_at is not None and s.ends_at is not None
    if now < s.starts_at:
        return "pending"
    return "active" if now < s.ends_at else "expired"


def api_routes(acting: Callable[[], Actions], api_user: Callable[..., Awaitable[User]]) -> APIRouter:
    """The API's action endpoints; ``acting()`` is the console's ``Actions`` (else a 503)."""
    router = APIRouter()

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

    @router.delete("/api/v1/stories/{story_key}/acknowledge", response_model=Action, tags=["actions"])
    async def api_unacknowledge(story_key: str, user: User = Depends(api_user)) -> Action:
        """End a story's acknowledgement: its next update is pushed again."""
        try:
            return await acting().end_hold(user, story_key, "acknowledge", "api")
        except ActionRefused as exc:
            raise api_refused(exc) from None

    @router.delete("/api/v1/stories/{story_key}/snooze", response_model=Action, tags=["actions"])
    async def api_unsnooze(story_key: str, user: User = Depends(api_user)) -> Action:
        """End a story's snooze now: what was held is summarised in one push."""
        try:
            return await acting().end_hold(user, story_key, "snooze", "api")
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
