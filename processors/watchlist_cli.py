"""``wirewatch watchlist history|show|rollback|diff|status``: versions of the live watchlist.

The versions, their history and the workers' status are read and written by
``wirewatch.watchlist_versions`` (the console calls the same functions); the
diff's replay is ``processors.watchlist_diff``.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from wirewatch.output import say

if TYPE_CHECKING:
    from processors.watchlist_diff import Change, DiffResult
    from wirewatch.settings import Settings
    from wirewatch.watchlist_versions import WatchlistVersion

#: Examples of each kind of change the human diff summary shows.
EXAMPLES_SHOWN = 5
#: seconds between two progress lines of --progress-jsonl
PROGRESS_EVERY_S = 0.25

AUTHOR_OPTION = typer.Option(
    None, "--author", help="who applies it, recorded with the version (default: $USER, else cli)"
)


def author_or_default(author: str | None) -> str:
    return author or os.environ.get("USER") or "cli"


def broker_settings() -> Settings:
    """Settings with a broker that answers; raises ``BrokerError`` otherwise."""
    from wirewatch.errors import BrokerError
    from wirewatch.kafka_probe import probe
    from wirewatch.settings import get_settings

    settings = get_settings()
    if not settings.kafka_bootstrap:
        raise BrokerError("WIREWATCH_KAFKA_BOOTSTRAP is not set: which cluster holds the watchlist?")
    probe(settings.kafka_bootstrap, settings)
    return settings


def _plain(text: str, width: int = 70) -> str:
    """Feed or analyst text on one terminal line: no control characters, cut to ``width``."""
    flat = "".join(c if c.isprintable() else " " for c in text)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} UTC" if at else "?"


def history(jsonl: bool = typer.Option(False, "--jsonl", help="one JSON object per version")) -> None:
    """Every applied watchlist version, newest first: hash, time, author, parent, comment.

    Example: wirewatch watchlist history
    """
    from wirewatch.watchlist_versions import history as read_history
    from wirewatch.watchlist_versions import live_version

    settings = broker_settings()
    versions = read_history(settings)
    live = live_version(settings)
    for v in versions:
        if jsonl:
            print(json.dumps(v.model_dump(mode="json", exclude={"text"}), ensure_ascii=False))
            continue
        mark = (
            "live"
            if live is not None and (v.version, v.applied_at) == (live.version, live.applied_at)
            else ""
        )
        print(
            f"{v.version}  {_when(v.applied_at)}  {_plain(v.author or '?', 20):<20} "
            f"parent {v.parent or '-':<19} {mark:<4} {_plain(v.comment)}"
        )
    if not versions and not jsonl:
        say("no watchlist version has been applied yet")


def show(
    version: str = typer.Argument(..., help="a version hash (a unique prefix will do), or live"),
) -> None:
    """Print the YAML text of an applied version.

    Example: wirewatch watchlist show live > current.yaml
    """
    from wirewatch.watchlist_versions import find_version

    sys.stdout.write(find_version(broker_settings(), version).text)


def rollback(
    version: str = typer.Argument(..., help="the version to go back to (see `wirewatch watchlist history`)"),
    comment: str = typer.Option(..., "--comment", help="why (mandatory: it goes in the history)"),
    author: str | None = AUTHOR_OPTION,
) -> None:
    """Apply an earlier version's text again, as a new version whose parent is the live one.

    History is never rewritten: the rollback is one more entry in it.

    Example: wirewatch watchlist rollback sha256:3f2a --comment "new spelling too noisy"
    """
    from processors.matching import Engine
    from wirewatch.output import fail
    from wirewatch.watchlist_versions import apply_version, find_version, live_version

    if not comment.strip():
        fail("--comment: say why you roll back (it goes in the history)", 2)
    settings = broker_settings()
    old = find_version(settings, version)
    live = live_version(settings)
    if live is not None and live.version == old.version:
        fail(f"{old.version} is already the live watchlist: nothing to roll back", 1)
    applied = apply_version(
        settings,
        old.text,
        author_or_default(author),
        comment,
        expect_parent=live.version if live else None,
        validate=Engine.build,
        where=old.version,
    )
    say(f"rolled back to {old.version}: published as a new version on top of {applied.version.parent}")


def status(
    within: float = typer.Option(
        90.0, "--within", help="a worker counts as live if it reported this recently (s)"
    ),
    jsonl: bool = typer.Option(False, "--jsonl", help="one JSON object per live worker"),
) -> None:
    """Which processor workers run which watchlist version ("live on 2/2 workers").

    Example: wirewatch watchlist status
    """
    from wirewatch.watchlist_versions import live_version, live_workers

    settings = broker_settings()
    workers = live_workers(settings, within_s=within)
    live = live_version(settings)
    for w in workers:
        if jsonl:
            print(w.model_dump_json())
            continue
        refused = f"  refused {w.rejected}: {_plain(w.rejected_reason or '', 80)}" if w.rejected else ""
        print(
            f"{w.worker:<30} {w.version or 'starting':<19} since {_when(w.since)}  "
            f"seen {_when(w.at)}{refused}"
        )
    if jsonl:
        return
    if live is None:
        say(f"no watchlist applied yet; {len(workers)} live worker(s)")
        return
    on = sum(1 for w in workers if w.version == live.version)
    say(f"{live.version} live on {on}/{len(workers)} workers")


def _resolve(settings: Settings | None, ref: str) -> tuple[str, str]:
    """(label, YAML text) of a file, a version hash, or ``live``."""
    from wirewatch.watchlist_versions import find_version

    path = Path(ref)
    if path.is_file():
        return ref, path.read_text(encoding="utf-8")
    if settings is None:
        settings = broker_settings()
    found: WatchlistVersion = find_version(settings, ref)
    return found.version, found.text


def _is_file(ref: str) -> bool:
    return Path(ref).is_file()


def diff(
    old: str = typer.Argument(..., help="the watchlist before: a file, a version hash, or live"),
    new: str = typer.Argument(..., help="the watchlist after: a file, a version hash, or live"),
    since: str = typer.Option(
        "7d", "--since", help="replay items stored since: 24h, 7d, or an ISO-8601 time"
    ),
    jsonl: bool = typer.Option(False, "--jsonl", help="one JSON line per item whose decision differs"),
    text: bool = typer.Option(False, "--text", help="only show the difference of the two YAML texts"),
    max_items: int | None = typer.Option(
        None, "--max-items", help="stop after this many items (default: $WIREWATCH_WATCHLIST_DIFF_MAX_ITEMS)"
    ),
    max_seconds: float | None = typer.Option(
        None, "--max-seconds", help="stop after this long (default: $WIREWATCH_WATCHLIST_DIFF_MAX_SECONDS)"
    ),
    with_titles: bool = typer.Option(
        False, "--with-titles", hidden=True, help="--jsonl lines also carry the item's title (the console)"
    ),
    progress_jsonl: bool = typer.Option(
        False,
        "--progress-jsonl",
        hidden=True,
        help='progress as {"progress": {"done", "total"}} lines on stderr, for the console',
    ),
) -> None:
    """What a watchlist change would have changed on the items stored since --since; sends nothing.

    Every stored item is matched with both watchlists: an alert added, removed or changed
    (severity, rules, actors, regions, escalations) is told. --jsonl prints one line per such
    item, {"id", "change", "before", "after"} (before/after as `try --jsonl` prints them), then
    one {"summary": …} line. When --max-items or --max-seconds cuts the replay, the summary
    says how far it got.

    Example: wirewatch watchlist diff live new.yaml --since 7d
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from processors.backtest import parse_since, within_retention
    from processors.matching import Engine
    from processors.watchlist_diff import diff_stored
    from wirewatch.topics import Topics
    from wirewatch.watchlist import parse_watchlist

    now = datetime.now(UTC)
    start = parse_since(since, now)
    settings = None if (_is_file(old) and _is_file(new)) else broker_settings()
    (old_label, old_text), (new_label, new_text) = _resolve(settings, old), _resolve(settings, new)
    if text:
        lines = difflib.unified_diff(
            old_text.splitlines(keepends=True), new_text.splitlines(keepends=True), old_label, new_label
        )
        sys.stdout.writelines(lines)
        return
    engines = [
        Engine.build(parse_watchlist(t, label)) for label, t in ((old_label, old_text), (new_label, new_text))
    ]
    settings = settings or broker_settings()
    within_retention(start, settings.items_retention_hours, since, now)
    assert settings.kafka_bootstrap is not None
    err = Console(stderr=True)
    columns = (TextColumn("replaying items"), BarColumn(), MofNCompleteColumn())
    told = [0.0]

    def tell(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)
        if progress_jsonl and (time.monotonic() - told[0] >= PROGRESS_EVERY_S or done == total):
            told[0] = time.monotonic()
            print(json.dumps({"progress": {"done": done, "total": total}}), file=sys.stderr, flush=True)

    with Progress(*columns, console=err, transient=True, disable=progress_jsonl) as bar:
        task = bar.add_task("items", total=None)
        result = diff_stored(
            settings,
            settings.kafka_bootstrap,
            Topics.from_settings(settings).items,
            engines[0],
            engines[1],
            start,
            max_items=max_items or settings.watchlist_diff_max_items,
            max_seconds=max_seconds or settings.watchlist_diff_max_seconds,
            progress=tell,
            on_change=(lambda c: print(json.dumps(_line(c, with_titles), ensure_ascii=False), flush=True))
            if jsonl
            else (lambda c: None),
        )
    if jsonl:
        print(json.dumps({"summary": result.summary()}, ensure_ascii=False))
    else:
        print_summary(result, start)
    if result.stopped:
        err.print(f"stopped early ({result.stopped}): {_how_far(result)}")


def _line(change: Change, with_titles: bool) -> dict[str, object]:
    """A ``--jsonl`` line: exactly the contract's keys, plus ``title`` when asked for."""
    line: dict[str, object] = dict(change.to_json())
    if with_titles:
        line["title"] = change.title
    return line


def _how_far(result: DiffResult) -> str:
    of = f" of {result.total}" if result.total is not None else ""
    reached = f", up to items published {_when(result.reached)}" if result.reached else ""
    return f"read {result.items}{of} items{reached}"


def print_summary(result: DiffResult, start: datetime) -> None:
    """The human summary: counts, a table per rule, and a few examples of each change."""
    counts = result.counts()
    print(
        f"{result.before} -> {result.after}: {result.items} items since {start:%Y-%m-%d %H:%M} UTC "
        f"({result.duplicates} duplicates, {result.undecodable} undecodable)"
    )
    print(
        f"alerts {result.alerts_before} -> {result.alerts_after}, stories {result.stories_before} -> "
        f"{result.stories_after}: {counts['added']} added, {counts['removed']} removed, "
        f"{counts['changed']} changed"
    )
    rules = result.by_rule()
    if rules:
        width = max(len(r) for r in rules)
        print(f"\n{'rule':<{width}}  added  removed  changed")
        for rule, n in rules.items():
            print(f"{rule:<{width}}  {n['added']:>5}  {n['removed']:>7}  {n['changed']:>7}")
    for kind, sign in (("added", "+"), ("removed", "-"), ("changed", "~")):
        shown = [c for c in result.changes if c.change == kind][:EXAMPLES_SHOWN]
        if shown:
            print(f"\n{kind} (first {len(shown)} of {counts[kind]}):")
            for c in shown:
                print(f"  {sign} {_plain(c.id, 16)}  {_plain(c.title)}\n      {_what(c)}")


def _what(c: Change) -> str:
    side = c.before if c.change == "removed" else c.after
    if c.change != "changed":
        return f"{side['severity']} by {', '.join(side['rules'])}; " + _entities(side)
    parts = []
    for key in ("severity", "rules", "actors", "regions", "escalations"):
        if c.before[key] != c.after[key]:
            parts.append(f"{key} {_value(c.before[key])} -> {_value(c.after[key])}")
    return "; ".join(parts)


def _entities(side: dict[str, object]) -> str:
    names = [*side["actors"], *side["regions"], *side["escalations"]]  # type: ignore[misc]
    return _plain(", ".join(str(n) for n in names), 90)


def _value(value: object) -> str:
    return _plain(", ".join(value) if isinstance(value, list) else str(value), 60) or "-"


def register(watchlist_app: typer.Typer) -> None:
    """Add the version commands to the ``watchlist`` group."""
    watchlist_app.command("history")(history)
    watchlist_app.command("show")(show)
    watchlist_app.command("rollback")(rollback)
    watchlist_app.command("diff")(diff)
    watchlist_app.command("status")(status)
