"""The watchlist workbench's pages: an ``APIRouter`` the app includes.

``/watchlist`` shows the live version (hash, author, time, comment, the workers running
it) and an editor; its forms check, try a text, preview and apply, and each works
without JavaScript (the page comes back with the result, the text kept). With it,
``workbench.js`` adds CodeMirror, checks as the analyst types (``/watchlist/check``
answers JSON to ``Accept: application/json``), runs the preview with a progress bar
and a cancel button, and follows an apply until the workers run it.
``/watchlist/history`` lists every applied version, compares two, and rolls back (a new
version, never a rewrite). Viewers read; analysts and admins edit.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from console.accounts import User
from console.workbench import Workbench, WorkbenchError, check_text
from wirewatch.errors import BrokerError, ConfigError, StaleVersion
from wirewatch.watchlist_versions import WatchlistVersion, WorkerStatus

Render = Callable[..., Response]
UserDependency = Callable[[str], Callable[[Request], Awaitable[User]]]

PREVIEW_WINDOWS = (1, 6, 24, 72, 168)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def segments(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at ``spans`` (possibly overlapping): (piece, matched) in order."""
    marked = [False] * len(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(text), end)):
            marked[i] = True
    out: list[tuple[str, bool]] = []
    for char, flag in zip(text, marked, strict=True):
        if out and out[-1][1] == flag:
            out[-1] = (out[-1][0] + char, flag)
        else:
            out.append((char, flag))
    return out


def rollout(live: WatchlistVersion | None, workers: list[WorkerStatus]) -> dict[str, Any]:
    """How far the live version has gone: "live on 2/3 workers in 1.8 s"."""
    if live is None:
        return {
            "version": None,
            "on": 0,
            "of": len(workers),
            "seconds": None,
            "text": "no watchlist applied yet",
        }
    running = [w for w in workers if w.version == live.version]
    seconds = None
    if running and live.applied_at is not None and len(running) == len(workers):
        latest = max((w.since for w in running if w.since is not None), default=None)
        if latest is not None:
            seconds = max(0.0, (latest - live.applied_at).total_seconds())
    text = f"live on {len(running)}/{len(workers)} workers"
    if seconds is not None:
        text += f" in {seconds:.1f} s"
    if not workers:
        text = "no processor worker has reported in the last 90 s"
    return {"version": live.version, "on": len(running), "of": len(workers), "seconds": seconds, "text": text}


def text_diff(a: WatchlistVersion | None, a_text: str, b_label: str, b_text: str) -> list[tuple[str, str]]:
    """A unified diff as (css class, line) pairs: add, del, hunk or ctx."""
    a_label = a.version if a else "live"
    lines = difflib.unified_diff(a_text.splitlines(), b_text.splitlines(), a_label, b_label, lineterm="", n=3)
    out = []
    for line in lines:
        kind = "ctx"
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        out.append((kind, line))
    return out


def workbench_router(workbench: Workbench | None, render: Render, page_user: UserDependency) -> APIRouter:
    """The workbench's routes; ``workbench`` None (no Kafka configured) shows why on each page."""
    router = APIRouter()

    def bench() -> Workbench:
        if workbench is None:
            raise WorkbenchError("the workbench needs Kafka: set WIREWATCH_KAFKA_BOOTSTRAP", 503)
        return workbench

    async def page(
        request: Request,
        user: User,
        status_code: int = 200,
        text: str | None = None,
        parent: str | None = None,
        **extra: Any,
    ) -> Response:
        wb = bench()
        try:
            live = await wb.live()
            workers = await wb.workers()
        except BrokerError as exc:
            return render(request, "error.html", 503, message=str(exc), title="Kafka unreachable")
        shown = text if text is not None else (live.text if live else "")
        checked = extra.pop("checked", None) or check_text(shown, wb.channels)
        return render(
            request,
            "watchlist.html",
            status_code,
            title="Watchlist",
            live=live,
            workers=workers,
            rollout=rollout(live, workers),
            text=shown,
            parent=parent if parent is not None else (live.version if live else ""),
            checked=checked,
            windows=PREVIEW_WINDOWS,
            editable=user.role in ("analyst", "admin"),
            **extra,
        )

    @router.get("/watchlist", include_in_schema=False)
    async def watchlist(request: Request, user: User = Depends(page_user("view"))) -> Response:
        applied = request.query_params.get("applied")
        return await page(request, user, applied=applied)

    @router.get("/watchlist/status", include_in_schema=False)
    async def status(request: Request, user: User = Depends(page_user("view"))) -> Response:
        wb = bench()
        live = await wb.live()
        workers = await wb.workers()
        return JSONResponse(
            {
                **rollout(live, workers),
                "workers": [
                    {
                        "worker": w.worker,
                        "version": w.version,
                        "at": w.at.isoformat(),
                        "rejected": w.rejected,
                        "rejected_reason": w.rejected_reason,
                    }
                    for w in workers
                ],
            }
        )

    @router.post("/watchlist/check", include_in_schema=False)
    async def check(
        request: Request,
        text: str = Form(""),
        parent: str = Form(""),
        user: User = Depends(page_user("edit_watchlist")),
    ) -> Response:
        checked = check_text(text, bench().channels)
        if _wants_json(request):
            return JSONResponse(checked.as_json())
        return await page(
            request, user, 200 if checked.ok else 400, text=text, parent=parent, checked=checked
        )

    @router.post("/watchlist/try", include_in_schema=False)
    async def try_text(
        request: Request,
        text: str = Form(""),
        parent: str = Form(""),
        try_text: str = Form(""),
        lang: str = Form(""),
        user: User = Depends(page_user("edit_watchlist")),
    ) -> Response:
        result = await bench().try_both(text, try_text, lang)
        for side in ("live", "edited"):
            if result[side].get("ok"):
                result[side]["segments"] = segments(try_text, result[side]["spans"])
        if _wants_json(request):
            return JSONResponse(result)
        return await page(request, user, text=text, parent=parent, tried=result, try_text=try_text, lang=lang)

    @router.post("/watchlist/preview", include_in_schema=False)
    async def preview(
        request: Request,
        text: str = Form(""),
        hours: float = Form(24.0),
        user: User = Depends(page_user("edit_watchlist")),
    ) -> Response:
        job = await bench().start_preview(user.name, text, hours)
        if _wants_json(request):
            return JSONResponse(job.as_json(), 202)
        return RedirectResponse(f"/watchlist/previews/{job.id}", status_code=303)

    @router.get("/watchlist/previews/{preview_id}", include_in_schema=False)
    async def preview_page(
        request: Request, preview_id: str, user: User = Depends(page_user("edit_watchlist"))
    ) -> Response:
        job = bench().preview(user.name, preview_id)
        if _wants_json(request):
            return JSONResponse(job.as_json())
        return render(request, "watchlist_preview.html", title="Preview", job=job.as_json())

    @router.post("/watchlist/previews/{preview_id}/cancel", include_in_schema=False)
    async def cancel(
        request: Request, preview_id: str, user: User = Depends(page_user("edit_watchlist"))
    ) -> Response:
        job = await bench().cancel_preview(user.name, preview_id)
        if job is None:
            raise WorkbenchError("no such preview", 404)
        if _wants_json(request):
            return JSONResponse(job.as_json())
        return RedirectResponse(f"/watchlist/previews/{job.id}", status_code=303)

    async def applying(request: Request, user: User, text: str, comment: str, parent: str) -> Response:
        wb = bench()
        try:
            applied = await wb.apply(text, user.name, comment, parent)
        except StaleVersion as exc:
            live = await wb.live()
            return await page(
                request,
                user,
                409,
                text=text,
                parent=live.version if live else "",
                stale=str(exc),
                stale_diff=text_diff(live, live.text if live else "", "yours", text),
                comment=comment,
            )
        except (WorkbenchError, ConfigError) as exc:
            status_code = exc.status if isinstance(exc, WorkbenchError) else 400
            checked = check_text(text, wb.channels)
            return await page(
                request,
                user,
                status_code,
                text=text,
                parent=parent,
                apply_error=str(exc),
                checked=checked,
                comment=comment,
            )
        if not applied.published:
            return await page(
                request,
                user,
                text=text,
                parent=parent,
                notice="the live watchlist already says this: nothing applied",
            )
        return RedirectResponse(f"/watchlist?applied={applied.version.version}", status_code=303)

    @router.post("/watchlist/apply", include_in_schema=False)
    async def apply(
        request: Request,
        text: str = Form(""),
        comment: str = Form(""),
        parent: str = Form(""),
        user: User = Depends(page_user("edit_watchlist")),
    ) -> Response:
        return await applying(request, user, text, comment, parent)

    @router.get("/watchlist/history", include_in_schema=False)
    async def history_page(request: Request, user: User = Depends(page_user("view"))) -> Response:
        wb = bench()
        versions = await wb.history()
        live = versions[0].version if versions else None
        return render(
            request,
            "watchlist_history.html",
            title="Watchlist history",
            versions=versions,
            live=live,
            editable=user.role in ("analyst", "admin"),
        )

    @router.get("/watchlist/versions/{version}", include_in_schema=False)
    async def version_page(
        request: Request, version: str, user: User = Depends(page_user("view"))
    ) -> Response:
        found = await bench().version(version)
        return render(request, "watchlist_version.html", title=f"Watchlist {found.version[:19]}", v=found)

    @router.get("/watchlist/compare", include_in_schema=False)
    async def compare(
        request: Request, a: str = "", b: str = "", user: User = Depends(page_user("view"))
    ) -> Response:
        wb = bench()
        old, new = await wb.version(a), await wb.version(b)
        return render(
            request,
            "watchlist_compare.html",
            title="Compare watchlist versions",
            a=old,
            b=new,
            diff=text_diff(old, old.text, new.version, new.text),
        )

    @router.post("/watchlist/rollback", include_in_schema=False)
    async def rollback(
        request: Request,
        version: str = Form(""),
        comment: str = Form(""),
        user: User = Depends(page_user("edit_watchlist")),
    ) -> Response:
        wb = bench()
        old = await wb.version(version)
        live = await wb.live()
        note = comment.strip()
        if note:
            note = f"rollback to {old.version[:19]}: {note}"
        return await applying(request, user, old.text, note, live.version if live else "")

    return router


def workbench_error_response(render: Render, request: Request, exc: WorkbenchError) -> Response:
    """A workbench refusal: JSON to scripts and fetches, the error page to browsers."""
    if _wants_json(request):
        return JSONResponse({"detail": str(exc)}, exc.status)
    return render(request, "error.html", exc.status, message=str(exc), title="Watchlist")
