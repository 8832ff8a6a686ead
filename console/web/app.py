"""The console's ASGI app: pages, the live feed, the JSON API, in small view functions.

``create_app(console)`` builds it around a ``Console`` (store, accounts, hub, signer). Every
page but ``/login`` and ``/healthz`` needs a session (else a redirect to ``/login``), the
live feed too (else 401), and the API a Bearer token (else 401). Which role may see what is
asked of ``console.permissions`` only. Templates autoescape everything; report links are
rendered as links only when they are http(s).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from console import text
from console.accounts import AccountError, Accounts, User
from console.actions import Actions
from console.following import Status
from console.permissions import ROLES, allowed
from console.projector import Hub, Projector
from console.store import AlertFilter, Store
from console.web.ratelimit import LoginLimiter
from console.workbench import Workbench, WorkbenchError
from wirewatch.records import SEVERITIES, Alert

from .actions import action_router, install, live_controls
from .security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SecurityHeadersMiddleware,
    Signer,
    cookie_header,
    is_https,
)
from .slack import CSRFExceptSlack
from .workbench import workbench_error_response, workbench_router

HERE = Path(__file__).parent
PAGE_SIZE = 50
#: Severities that count in the page title's unread number.
LOUD = ("critical", "high")
DELIVERY_NOT_REPORTED = "not reported"


@dataclass
class Console:
    """What the app serves from; built by ``wirewatch console`` or by a test."""

    store: Store
    accounts: Accounts
    signer: Signer
    hub: Hub = field(default_factory=Hub)
    projector: Projector | None = None
    status: Status = field(default_factory=Status)
    secure_cookies: bool = False
    session_hours: float = 12.0
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    #: seconds between keep-alive comments on the live feed
    heartbeat_s: float = 15.0
    #: acting on alerts (console.web.actions); None: no action is possible
    actions: Actions | None = None
    #: the watchlist workbench (console.web.workbench); None: no Kafka, its pages say so
    workbench: Workbench | None = None


class LoginRequired(Exception):
    """A page was asked for without a session."""


class FilterError(ValueError):
    """A filter query parameter that does not parse."""


# -- helpers the templates use -------------------------------------------------------------


def safe_href(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (rendered as text, not a link)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def story_href(story_key: str) -> str:
    return "/stories/" + quote(story_key, safe="")


def when(value: str | datetime | None) -> str:
    """An ISO time (or a datetime) as ``2026-12-04 08:00 UTC``."""
    if not value:
        return "—"
    try:
        moment = (value if isinstance(value, datetime) else datetime.fromisoformat(value)).astimezone(UTC)
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_href"] = safe_href
    env.filters["when"] = when
    env.globals["story_href"] = story_href
    env.globals["SEVERITIES"] = SEVERITIES
    env.globals["DELIVERY_NOT_REPORTED"] = DELIVERY_NOT_REPORTED
    return env


# -- filters from query parameters ---------------------------------------------------------

FILTER_KEYS = ("severity", "rule", "region", "actor", "escalation", "channel", "since", "until")


def _moment(name: str, value: str, end: bool) -> datetime:
    value = value.strip()
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).replace(tzinfo=UTC)
            return day + timedelta(days=1) if end else day
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(
            f"{name}: expected a date (2026-12-04) or an ISO time, got {value[:40]!r}"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_filter(params: Any, q: str | None = None) -> AlertFilter:
    """An ``AlertFilter`` from a request's query parameters; raises ``FilterError``."""
    severity = tuple(s for s in params.getlist("severity") if s)
    for s in severity:
        if s not in SEVERITIES:
            raise FilterError(f"severity: expected one of {', '.join(SEVERITIES)}, got {s[:40]!r}")

    def one(name: str) -> str | None:
        value = params.get(name)
        return value.strip()[:200] or None if isinstance(value, str) else None

    since, until = one("since"), one("until")
    return AlertFilter(
        severity=severity,
        rule=one("rule"),
        region=one("region"),
        actor=one("actor"),
        escalation=one("escalation"),
        channel=one("channel"),
        since=_moment("since", since, end=False) if since else None,
        until=_moment("until", until, end=True) if until else None,
        q=q,
    )


def _page_number(params: Any) -> int:
    try:
        return max(1, min(int(params.get("page", "1")), 100_000))
    except ValueError:
        raise FilterError("page: expected a number") from None


def _query_with(params: Any, **changes: Any) -> str:
    pairs = [(k, v) for k, v in params.multi_items() if k not in changes and v != ""]
    pairs += [(k, str(v)) for k, v in changes.items() if v is not None]
    return "?" + urlencode(pairs) if pairs else "?"


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# -- API models ----------------------------------------------------------------------------


class AlertQuery(BaseModel):
    """The alerts list's filters, as the API takes them (query parameters)."""

    severity: list[str] = Field([], description="low, medium, high or critical; repeat for several")
    rule: str | None = Field(None, description="a rule that fired")
    region: str | None = Field(None, description="a canonical region name")
    actor: str | None = Field(None, description="a canonical actor name")
    escalation: str | None = Field(None, description="a canonical escalation name")
    channel: str | None = Field(None, description="a channel the rules named; default = the default set")
    since: str | None = Field(None, description="last seen at or after: 2026-12-04 or an ISO time")
    until: str | None = Field(None, description="last seen before: an ISO time, or a date (counts whole)")
    page: int = Field(1, ge=1, le=100_000)
    size: int = Field(PAGE_SIZE, ge=1, le=200)


class SearchQuery(AlertQuery):
    q: str = Field(min_length=1, max_length=500, description="words; accents and case do not matter")


class AlertsPage(BaseModel):
    alerts: list[Alert]
    page: int
    size: int
    has_next: bool


class Report(BaseModel):
    item_id: str
    title: str
    url: str | None
    source: str
    lang: str | None
    published_at: str
    fetched_at: str | None
    first_revision: int


class Delivery(BaseModel):
    """What ``wirewatch deliver`` decided for a revision on one channel (its receipt)."""

    channel: str
    outcome: str = Field(description="sent, dead, held, muted, released or duplicate")
    reason: str = Field("", description="the DLQ reason, or who held or muted it and why")
    action_id: str = Field("", description="the action that held or muted it")
    at: str


class Revision(BaseModel):
    alert: Alert
    #: one per channel deliver reported on (receipts); empty until deliver has reported
    deliveries: list[Delivery] = []


class StoryOut(BaseModel):
    story_key: str
    latest: Alert
    revisions: list[Revision]
    reports: list[Report]


def create_app(console: Console) -> FastAPI:
    """The ASGI app serving ``console``; the projector (if any) runs in its lifespan."""
    env = _environment()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        if console.projector is not None:
            task = asyncio.create_task(console.projector.run(), name="console-projector")
        try:
            yield
        finally:
            if console.workbench is not None:
                await console.workbench.close()  # a preview's subprocess ends with the console
            if task is not None:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass

    app = FastAPI(
        title="Wirewatch console API",
        version="1",
        description="Read alerts, stories and search from scripts. Authenticate with "
        "`Authorization: Bearer <token>` (`wirewatch console token create USER` prints one).",
        docs_url=None,  # FastAPI's docs pages load their scripts from a CDN: only the JSON is served
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(CSRFExceptSlack, signer=console.signer, secure_cookies=console.secure_cookies)
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    bearer = HTTPBearer(auto_error=False, description="an API token (wwt_…)")

    def status() -> Status:
        return console.projector.status if console.projector is not None else console.status

    def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        user = getattr(request.state, "user", None)
        html = env.get_template(template).render(
            request=request,
            user=user,
            can=lambda action: allowed(user, action),
            csrf_field=CSRF_FIELD,
            csrf_token=request.state.csrf_token,
            projection=status(),
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def session_user(request: Request) -> User | None:
        session_id = request.state.session_id
        return console.accounts.session_user(session_id) if session_id else None

    # Dependencies and views are all async: they run on the event loop's thread, the one the
    # projector writes from, so the SQLite connections are never used by two threads at once.
    def page_user(action: str = "view") -> Callable[[Request], Awaitable[User]]:
        async def dependency(request: Request) -> User:
            user = session_user(request)
            if user is None:
                raise LoginRequired()
            if not allowed(user, action):
                raise HTTPException(403, "your role may not do this")
            request.state.user = user
            return user

        return dependency

    async def api_user(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> User:
        user = console.accounts.token_user(credentials.credentials) if credentials else None
        if user is None:
            raise HTTPException(401, "a valid API token is needed", headers={"WWW-Authenticate": "Bearer"})
        if not allowed(user, "api"):
            raise HTTPException(403, "your role may not use the API")
        return user

    # -- errors ----------------------------------------------------------------------------

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        return render(request, "error.html", exc.status_code, message=exc.detail, title=str(exc.status_code))

    @app.exception_handler(FilterError)
    async def _filter_error(request: Request, exc: FilterError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, 400)
        return render(request, "error.html", 400, message=str(exc), title="Bad filter")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        message = f"{where}: {first.get('msg', 'invalid')}"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, 422)
        return render(request, "error.html", 400, message=message, title="Bad request")

    # -- no session needed -----------------------------------------------------------------

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        s = status()
        return {
            "status": "ok",
            "projection": s.state,
            "alerts": console.store.count(),
            "malformed": s.malformed,  # records of the alerts topic skipped since start
        }

    @app.get("/login", include_in_schema=False)
    async def login_form(request: Request, next: str = "/") -> Response:
        if session_user(request) is not None:
            return RedirectResponse(_safe_next(next), status_code=303)
        return render(request, "login.html", next=_safe_next(next), error=None)

    @app.post("/login", include_in_schema=False)
    async def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        client = request.client.host if request.client else "?"
        wait = console.limiter.locked(username, client)
        if wait:
            message = f"Too many failed logins: try again in {max(1, round(wait / 60))} minute(s)."
            return render(request, "login.html", 429, next=_safe_next(next), error=message, username=username)
        user = console.accounts.authenticate(username, password) if username and password else None
        if user is None:
            console.limiter.failed(username, client)
            return render(
                request,
                "login.html",
                401,
                next=_safe_next(next),
                error="Wrong user name or password.",
                username=username,
            )
        console.limiter.succeeded(username, client)
        session_id = console.accounts.start_session(user, console.session_hours * 3600)
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.raw_headers.append(
            (
                b"set-cookie",
                cookie_header(
                    SESSION_COOKIE,
                    console.signer.sign("session", session_id),
                    max_age=int(console.session_hours * 3600),
                    secure=console.secure_cookies or is_https(request.scope),
                ),
            )
        )
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        if request.state.session_id:
            console.accounts.end_session(request.state.session_id)
        response = RedirectResponse("/login", status_code=303)
        response.raw_headers.append(
            (b"set-cookie", cookie_header(SESSION_COOKIE, "", max_age=0, secure=console.secure_cookies))
        )
        return response

    # -- pages -----------------------------------------------------------------------------

    def listing(request: Request, template: str, q: str | None, **extra: Any) -> HTMLResponse:
        flt = parse_filter(request.query_params, q=q)
        number = _page_number(request.query_params)
        # read before the rows: the live feed replays whatever is stored after it, so an alert
        # stored between this page's query and its EventSource connecting is not missed
        cursor = console.store.last_seq()
        page = console.store.alerts(flt, page=number, size=PAGE_SIZE) if q is None or q.strip() else None
        params = request.query_params
        return render(
            request,
            template,
            page=page,
            flt=flt,
            q=q or "",
            params=params,
            live=number == 1,
            cursor=cursor,
            prev_query=_query_with(params, page=number - 1) if number > 1 else None,
            next_query=_query_with(params, page=number + 1) if page and page.has_next else None,
            **extra,
        )

    @app.get("/", include_in_schema=False)
    async def alerts_page(request: Request, user: User = Depends(page_user())) -> Response:
        return listing(request, "alerts.html", None)

    @app.get("/search", include_in_schema=False)
    async def search_page(request: Request, q: str = "", user: User = Depends(page_user())) -> Response:
        return listing(request, "search.html", q[:500])

    @app.get("/stories/{story_key}", include_in_schema=False)
    async def story_page(request: Request, story_key: str, user: User = Depends(page_user())) -> Response:
        story = console.store.story(story_key)
        if story is None:
            raise HTTPException(
                404, f"No story {story_key[:100]!r}: it may not have reached this console yet."
            )
        needles: dict[str | None, set[str]] = {}
        for revision in story["revisions"]:
            for e in revision["record"].get("evidence", []):
                needles.setdefault(e.get("item_id"), set()).update({e["matched"], e["alias"]})
        everywhere = needles.get(None, set())
        for report in story["reports"]:
            found = sorted(needles.get(report["item_id"], set()) | everywhere, key=len, reverse=True)
            report["segments"] = text.segments(report["title"], found)
        return render(request, "story.html", story=story, title=story["latest"]["headline"])

    @app.get("/events", include_in_schema=False)
    async def events(request: Request) -> Response:
        user = session_user(request)
        if user is None or not allowed(user, "view"):
            return Response("a session is needed\n", 401, media_type="text/plain")
        flt = parse_filter(request.query_params)
        row = env.get_template("_alert_row.html")
        queue = console.hub.subscribe()
        # EventSource reconnects with the id of the last event it saw, and first connects with
        # the store position the page was rendered at (?cursor=): what came after, first
        last_seen = request.headers.get("last-event-id", "")
        cursor = request.query_params.get("cursor", "")
        if last_seen:
            missed = console.store.alerts_after(last_seen, flt)
        elif cursor.isdigit() and len(cursor) < 19:
            missed = console.store.alerts_since(int(cursor), flt)
        else:
            missed = []

        def event(stored: dict[str, Any]) -> str:
            data = {
                "alert_id": stored["alert_id"],
                "severity": stored["severity"],
                "story_key": stored["story_key"],
                "html": row.render(a=stored, fresh=True, **live_controls(request, user)),
            }
            event_id = stored["alert_id"]
            head = f"id: {event_id}\n" if event_id.isprintable() else ""
            return f"{head}event: alert\ndata: {json.dumps(data)}\n\n"

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n: connected\n\n"
                for earlier in missed:
                    yield event(earlier)
                while True:
                    try:
                        alert = await asyncio.wait_for(queue.get(), console.heartbeat_s)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if alert is None:  # fell behind: the page reconnects
                        yield "event: reload\ndata: {}\n\n"
                        return
                    if flt != AlertFilter() and not console.store.matches(alert, flt):
                        continue
                    stored = console.store.alert(alert.alert_id)
                    if stored is not None:
                        yield event(stored)
            finally:
                console.hub.unsubscribe(queue)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
        )

    # -- accounts (admins) -----------------------------------------------------------------

    def accounts_page(request: Request, status_code: int = 200, **extra: Any) -> HTMLResponse:
        return render(
            request,
            "accounts.html",
            status_code,
            title="Accounts",
            users=console.accounts.users(),
            tokens=console.accounts.tokens(),
            roles=ROLES,
            **extra,
        )

    def changed(request: Request, change: Callable[[], object], status_code: int) -> Response:
        """Do ``change``; back to the accounts page, or the page with its error and ``status_code``."""
        try:
            change()
        except AccountError as exc:
            return accounts_page(request, status_code, error=str(exc))
        return RedirectResponse("/accounts", status_code=303)

    @app.get("/accounts", include_in_schema=False)
    async def accounts(request: Request, user: User = Depends(page_user("manage_users"))) -> Response:
        return accounts_page(request)

    @app.post("/accounts/users", include_in_schema=False)
    async def add_user(
        request: Request,
        name: str = Form(""),
        role: str = Form(""),
        password: str = Form(""),
        user: User = Depends(page_user("manage_users")),
    ) -> Response:
        return changed(request, lambda: console.accounts.add_user(name, role, password), 400)

    @app.post("/accounts/users/{name}/disable", include_in_schema=False)
    async def disable_user(
        request: Request, name: str, user: User = Depends(page_user("manage_users"))
    ) -> Response:
        return changed(request, lambda: console.accounts.disable(name), 404)

    @app.post("/accounts/tokens", include_in_schema=False)
    async def create_token(
        request: Request, name: str = Form(""), user: User = Depends(page_user("manage_tokens"))
    ) -> Response:
        try:
            token_id, token = console.accounts.create_token(name)
        except AccountError as exc:
            return accounts_page(request, 400, error=str(exc))
        # shown on this answer only (not cached: every page is no-store); only its hash is kept
        return accounts_page(request, new_token=token, new_token_id=token_id, new_token_user=name)

    @app.post("/accounts/tokens/{token_id}/revoke", include_in_schema=False)
    async def revoke_token(
        request: Request, token_id: str, user: User = Depends(page_user("manage_tokens"))
    ) -> Response:
        return changed(request, lambda: console.accounts.revoke_token(token_id), 404)

    # -- the JSON API ----------------------------------------------------------------------

    def api_page(request: Request, q: str | None, page: int, size: int) -> AlertsPage:
        flt = parse_filter(request.query_params, q=q)
        found = console.store.alerts(flt, page=page, size=size)
        return AlertsPage(
            alerts=[Alert.model_validate(r["record"]) for r in found.rows],
            page=found.page,
            size=found.size,
            has_next=found.has_next,
        )

    @app.get("/api/v1/alerts", response_model=AlertsPage, tags=["alerts"])
    async def api_alerts(
        request: Request, params: Annotated[AlertQuery, Query()], user: User = Depends(api_user)
    ) -> AlertsPage:
        """Alert revisions, newest first, filtered like the alerts page."""
        return api_page(request, None, params.page, params.size)

    @app.get("/api/v1/search", response_model=AlertsPage, tags=["alerts"])
    async def api_search(
        request: Request, params: Annotated[SearchQuery, Query()], user: User = Depends(api_user)
    ) -> AlertsPage:
        """Full-text search over alert and report titles, evidence and canonical names."""
        return api_page(request, params.q, params.page, params.size)

    @app.get("/api/v1/stories/{story_key}", response_model=StoryOut, tags=["stories"])
    async def api_story(story_key: str, user: User = Depends(api_user)) -> StoryOut:
        """A story: its latest revision, every revision, every report in time order."""
        story = console.store.story(story_key)
        if story is None:
            raise HTTPException(404, f"no story {story_key[:100]!r}")
        got = console.actions.action_store.receipts(story_key) if console.actions is not None else {}
        return StoryOut(
            story_key=story_key,
            latest=Alert.model_validate(story["latest"]["record"]),
            revisions=[
                Revision(
                    alert=Alert.model_validate(r["record"]),
                    deliveries=[
                        Delivery(**{k: d[k] for k in Delivery.model_fields})
                        for d in got.get(r["alert_id"], [])
                    ],
                )
                for r in story["revisions"]
            ],
            reports=[Report(**r) for r in story["reports"]],
        )

    @app.get("/api/v1/openapi.json", include_in_schema=False)
    async def openapi(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> Response:
        token_user = console.accounts.token_user(credentials.credentials) if credentials else None
        if token_user is None and session_user(request) is None:
            raise HTTPException(
                401, "a valid API token or a session is needed", headers={"WWW-Authenticate": "Bearer"}
            )
        return JSONResponse(app.openapi())

    install(env, console.actions)
    app.include_router(action_router(console.actions, console.accounts, render, page_user, api_user))
    app.include_router(workbench_router(console.workbench, render, page_user))

    @app.exception_handler(WorkbenchError)
    async def _workbench_error(request: Request, exc: WorkbenchError) -> Response:
        return workbench_error_response(render, request, exc)

    app.state.console = console
    app.state.started = time.time()
    return app
