"""The watchlist workbench: check, try, preview, apply, history and rollback of the watchlist.

What the console may do itself it does in process: validation (``wirewatch.watchlist``,
the same messages as ``wirewatch watchlist check``), and the watchlist's versions, history
and workers (``wirewatch.watchlist_versions``, kafka-python, run in a thread). What needs
the matching engine, which lives in ``processors`` and which the console may not import,
goes through the CLI's contract in a subprocess, off the event loop:

- ``wirewatch try TEXT --watchlist FILE``, once per watchlist, for the explanation;
- ``wirewatch watchlist check FILE`` before an apply (the engine must build);
- ``wirewatch watchlist diff OLD NEW --since … --jsonl`` for the preview, its progress
  read from ``--progress-jsonl``; one preview per user at a time (a new one cancels the
  old), bounded in items and seconds by the ``WIREWATCH_WATCHLIST_DIFF_*`` settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wirewatch.errors import ConfigError, WirewatchError
from wirewatch.settings import Settings
from wirewatch.watchlist_versions import (
    MAX_TEXT_BYTES,
    Applied,
    WatchlistVersion,
    WorkerStatus,
    apply_version,
    history,
    live_version,
    live_workers,
)
from wirewatch.watchlist_warnings import check_watchlist_text

log = logging.getLogger(__name__)

#: what issues name as their file, in the editor's messages
EDITED = "watchlist"
#: the most changes a preview keeps to show (its summary counts them all)
PREVIEW_SHOWN = 500
#: seconds a subprocess of ``try`` / ``check`` may take
COMMAND_TIMEOUT_S = 60.0
#: previews kept after they end, per user (the newest)
PREVIEWS_KEPT = 1

_SPAN = re.compile(r"\[(\d+):(\d+)\]")


class WorkbenchError(WirewatchError):
    """A workbench request that cannot be done; ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Checked:
    """``watchlist check`` of a text: errors (not applicable) and warnings, each at a line."""

    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    summary: str

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors, "warnings": self.warnings, "summary": self.summary}


def _issue(line: int | None, message: str) -> dict[str, Any]:
    return {"line": line, "message": message, "text": f"{EDITED}:{line}: {message}" if line else message}


def too_large(text: str) -> str | None:
    """The refusal for a text over the size a watchlist may be, else None."""
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        return (
            f"{size:,} bytes is more than a watchlist may be ({MAX_TEXT_BYTES:,} bytes); nothing was checked"
        )
    return None


def check_text(text: str, channels: Path) -> Checked:
    """Validate an edited watchlist as ``wirewatch watchlist check`` does (without building the engine)."""
    refused = too_large(text)
    if refused:
        return Checked([_issue(None, refused)], [], "")
    try:
        checked = check_watchlist_text(text, EDITED, channels)
    except ConfigError as exc:
        return Checked([_issue(i.line, i.message) for i in exc.issues], [], "")
    wl = checked.watchlist
    summary = (
        f"{len(wl.actors)} actors, {len(wl.regions)} regions, {len(wl.escalations)} escalations, "
        f"{len(wl.rules)} rules"
    )
    return Checked([], [_issue(i.line, i.message) for i in checked.warnings], summary)


def spans(explanation: str) -> list[tuple[int, int]]:
    """The ``[start:end]`` character spans an explanation of ``wirewatch try`` names."""
    return sorted({(int(a), int(b)) for a, b in _SPAN.findall(explanation) if int(a) < int(b)})


@dataclass
class Preview:
    """One replay of stored items through the live and the edited watchlist."""

    id: str
    user: str
    since_hours: float
    state: str = "running"  # running | done | cancelled | failed
    done: int = 0
    total: int | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    changed: int = 0
    summary: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "changed": self.changed,
            "changes": self.changes,
            "summary": self.summary,
            "error": self.error,
            "seconds": round((self.ended or time.monotonic()) - self.started, 1),
        }


@dataclass
class Workbench:
    """The workbench of one console; ``command`` runs the ``wirewatch`` CLI."""

    settings: Settings
    channels: Path
    command: Sequence[str] = (sys.executable, "-m", "wirewatch")
    previews: dict[str, Preview] = field(default_factory=dict)

    # -- reading ---------------------------------------------------------------------------

    async def live(self) -> WatchlistVersion | None:
        return await asyncio.to_thread(live_version, self.settings)

    async def history(self) -> list[WatchlistVersion]:
        """Every applied version, newest first."""
        return await asyncio.to_thread(history, self.settings)

    async def workers(self) -> list[WorkerStatus]:
        return await asyncio.to_thread(live_workers, self.settings)

    async def version(self, ref: str) -> WatchlistVersion:
        for v in await self.history():
            if v.version == ref:
                return v
        raise WorkbenchError(f"no applied watchlist version {ref[:80]!r}", 404)

    # -- the CLI ---------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.settings.kafka_bootstrap:
            env["WIREWATCH_KAFKA_BOOTSTRAP"] = self.settings.kafka_bootstrap
        env["WIREWATCH_TOPIC_PREFIX"] = self.settings.topic_prefix
        env["WIREWATCH_DATA_DIR"] = str(self.settings.data_dir)
        env["NO_COLOR"] = "1"
        return env

    async def _run(self, args: Sequence[str], stdin: bytes | None = None) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            *self.command,
            *args,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._env(),
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(stdin), COMMAND_TIMEOUT_S)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise WorkbenchError(
                f"`wirewatch {args[0]}` took more than {COMMAND_TIMEOUT_S:.0f} s", 504
            ) from None
        return proc.returncode or 0, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    async def explain(self, watchlist_text: str, text: str, lang: str | None) -> dict[str, Any]:
        """``wirewatch try`` of ``text`` with one watchlist: its explanation and matched spans."""
        with tempfile.TemporaryDirectory(prefix="wirewatch-try-") as tmp:
            path = Path(tmp) / "watchlist.yaml"
            path.write_text(watchlist_text, encoding="utf-8")
            args = ["try", text, "--watchlist", str(path)]
            if lang:
                args += ["--lang", lang]
            code, out, err = await self._run(args)
        if code != 0:
            message = (err or out).strip().replace(str(path), EDITED)
            return {"ok": False, "error": message[:2000]}
        return {"ok": True, "explanation": out.rstrip("\n"), "spans": spans(out)}

    async def try_both(self, edited: str, text: str, lang: str | None) -> dict[str, Any]:
        """The explanation of ``text`` by the live watchlist and by the edited one."""
        if not text.strip():
            raise WorkbenchError("type a text to try")
        if len(text) > 20_000:
            raise WorkbenchError("a text to try is at most 20,000 characters")
        if lang not in (None, "", "fr", "en"):
            raise WorkbenchError("language: fr, en or none")
        if refused := too_large(edited):
            raise WorkbenchError(refused, 413)
        live = await self.live()
        results = await asyncio.gather(
            self.explain(live.text, text, lang or None) if live else _no_live(),
            self.explain(edited, text, lang or None),
        )
        return {"text": text, "live": results[0], "edited": results[1]}

    async def apply(self, text: str, author: str, comment: str, parent: str | None) -> Applied:
        """Check (engine included, as the CLI does), then publish with author, comment and parent.

        Raises ``WorkbenchError`` for a text that does not check (400), ``StaleVersion``
        when ``parent`` is no longer the live version.
        """
        if not comment.strip():
            raise WorkbenchError("say why in a comment: every applied version carries one")
        if refused := too_large(text):
            raise WorkbenchError(refused, 413)
        checked = check_text(text, self.channels)
        if not checked.ok:
            raise WorkbenchError("not applied: " + "; ".join(e["text"] for e in checked.errors[:5]))
        with tempfile.TemporaryDirectory(prefix="wirewatch-check-") as tmp:
            path = Path(tmp) / "watchlist.yaml"
            path.write_text(text, encoding="utf-8")
            code, out, err = await self._run(
                ["watchlist", "check", str(path), "--channels", str(self.channels)]
            )
        if code != 0:
            message = (err or out).strip().replace(str(path), EDITED)
            raise WorkbenchError(f"not applied: {message[:2000]}")
        return await asyncio.to_thread(
            apply_version, self.settings, text, author, comment.strip(), parent or None, where=EDITED
        )

    # -- previews --------------------------------------------------------------------------

    def preview(self, user: str, preview_id: str) -> Preview:
        found = self.previews.get(user)
        if found is None or found.id != preview_id:
            raise WorkbenchError("no such preview (a newer one replaced it, or the console restarted)", 404)
        return found

    async def start_preview(self, user: str, edited: str, since_hours: float) -> Preview:
        """Replay the last ``since_hours`` of items through live and edited; cancels ``user``'s last one."""
        if not 0 < since_hours <= self.settings.items_retention_hours:
            raise WorkbenchError(
                f"preview window: more than 0 and at most {self.settings.items_retention_hours} hours "
                "(the items' retention)"
            )
        if refused := too_large(edited):
            raise WorkbenchError(refused, 413)
        checked = check_text(edited, self.channels)
        if not checked.ok:
            raise WorkbenchError("fix the errors first: " + "; ".join(e["text"] for e in checked.errors[:5]))
        live = await self.live()
        if live is None:
            raise WorkbenchError("no watchlist is live yet: there is nothing to compare with", 409)
        await self.cancel_preview(user)
        job = Preview(id=secrets.token_urlsafe(8), user=user, since_hours=since_hours)
        self.previews[user] = job
        job.task = asyncio.create_task(self._replay(job, live.text, edited), name=f"preview-{user}")
        return job

    async def cancel_preview(self, user: str, preview_id: str | None = None) -> Preview | None:
        job = self.previews.get(user)
        if job is None or (preview_id is not None and job.id != preview_id):
            return None
        if job.state == "running":
            job.state = "cancelled"
            job.ended = time.monotonic()
            if job.process is not None and job.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    job.process.kill()
            if job.task is not None:
                job.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await job.task
        return job

    async def close(self) -> None:
        for user in list(self.previews):
            await self.cancel_preview(user)

    async def _replay(self, job: Preview, live_text: str, edited: str) -> None:
        with tempfile.TemporaryDirectory(prefix="wirewatch-preview-") as tmp:
            before, after = Path(tmp) / "live.yaml", Path(tmp) / "edited.yaml"
            before.write_text(live_text, encoding="utf-8")
            after.write_text(edited, encoding="utf-8")
            args = [
                "watchlist",
                "diff",
                str(before),
                str(after),
                "--since",
                _since(job.since_hours),
                "--jsonl",
                "--with-titles",
                "--progress-jsonl",
                "--max-items",
                str(self.settings.watchlist_diff_max_items),
                "--max-seconds",
                str(self.settings.watchlist_diff_max_seconds),
            ]
            try:
                job.process = await asyncio.create_subprocess_exec(
                    *self.command,
                    *args,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    env=self._env(),
                )
                errors = asyncio.create_task(self._progress(job))
                assert job.process.stdout is not None
                async for raw in job.process.stdout:
                    line = json.loads(raw)
                    if "summary" in line:
                        job.summary = line["summary"]
                    else:
                        job.changed += 1
                        if len(job.changes) < PREVIEW_SHOWN:
                            job.changes.append(line)
                code = await job.process.wait()
                tail = await errors
                if job.state == "running":
                    job.state = "done" if code == 0 else "failed"
                    if code != 0:
                        job.error = (
                            tail.strip().replace(str(after), EDITED).replace(str(before), "live")[-2000:]
                        )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a preview's failure is told on its page, never the console's
                log.exception("preview %s failed", job.id)
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
            finally:
                job.ended = job.ended or time.monotonic()

    @staticmethod
    async def _progress(job: Preview) -> str:
        """Read the diff's stderr: progress lines update ``job``; the rest is returned (its error)."""
        assert job.process is not None and job.process.stderr is not None
        rest: list[str] = []
        async for raw in job.process.stderr:
            text = raw.decode("utf-8", "replace")
            if text.startswith('{"progress"'):
                with contextlib.suppress(ValueError, KeyError):
                    progress = json.loads(text)["progress"]
                    job.done, job.total = int(progress["done"]), progress.get("total")
                    continue
            rest.append(text)
        return "".join(rest[-40:])


async def _no_live() -> dict[str, Any]:
    return {"ok": False, "error": "no watchlist is live yet"}


def _since(hours: float) -> str:
    """``--since`` for a window of ``hours``: whole hours as ``24h``, else minutes as ISO time."""
    if float(hours).is_integer():
        return f"{int(hours)}h"
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")
