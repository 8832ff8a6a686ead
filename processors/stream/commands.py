"""``wirewatch process``, ``backtest`` and ``watchlist apply``; registers ``watchlist_cli`` too."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from processors.cli import CHANNELS_OPTION
from processors.watchlist_cli import AUTHOR_OPTION
from wirewatch.output import fail, say

if TYPE_CHECKING:
    from rich.table import Table

    from wirewatch.records import Alert


def process(
    watchlist: Path | None = typer.Option(
        None,
        "--watchlist",
        "-w",
        help="watchlist published when the topic is empty "
        "(default: $WIREWATCH_WATCHLIST, else config/watchlist.yaml)",
    ),
    child: bool = typer.Option(False, "--child", hidden=True, help="run the faust worker in this process"),
) -> None:
    """Run one stream-processor worker (faust); Ctrl-C or SIGTERM stops it.

    Example: wirewatch process --watchlist config/watchlist.yaml
    """
    from processors.stream.worker import run_worker, supervise_worker
    from wirewatch.kafka_probe import probe
    from wirewatch.logs import setup_logging
    from wirewatch.settings import get_settings

    settings = get_settings()
    setup_logging("process", settings.log_level)
    if settings.kafka_bootstrap and not child:  # unset: the worker says so; the child's parent probed
        probe(settings.kafka_bootstrap, settings)
    if child:
        code = run_worker(settings, watchlist or settings.watchlist)
    else:
        code = supervise_worker(["--watchlist", str(watchlist)] if watchlist else [])
    if code:
        raise typer.Exit(code)


def watchlist_apply(
    file: Path = typer.Argument(..., help="the watchlist YAML file"),
    channels: Path | None = CHANNELS_OPTION,
    comment: str = typer.Option("", "--comment", help="why: recorded with the version in the history"),
    author: str | None = AUTHOR_OPTION,
    expect_parent: str | None = typer.Option(
        None,
        "--expect-parent",
        help="the version this change was made on: refused (exit 1) if another is live now",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="publish even if a rule notifies a channel the channels file does not define, or "
        "--expect-parent is no longer live",
    ),
) -> None:
    """Validate a watchlist and publish it as a new version: every processor worker switches to it live.

    The version (its content hash) is recorded with its author, comment and parent (the
    version live before it) in the history. Refuses (exit 2) a rule that notifies a channel
    the channels file does not define, unless --force; refuses (exit 1) when --expect-parent
    is no longer the live version, unless --force (which then replaces the colleague's change).

    Example: wirewatch watchlist apply config/watchlist.yaml --comment "add Saraqeb spellings"
    """
    from processors.matching import Engine
    from processors.watchlist_cli import author_or_default, broker_settings
    from wirewatch.settings import get_settings
    from wirewatch.watchlist_versions import apply_version
    from wirewatch.watchlist_warnings import check_watchlist

    checked = check_watchlist(file, channels or get_settings().channels)
    Engine.build(checked.watchlist)  # refuse what the workers could not build either
    for warning in checked.warnings:
        print(warning, file=sys.stderr)
    if checked.unknown_channels and not force:
        fail(f"{file}: not published: fix the notify names above, or pass --force to publish anyway", 2)
    settings = broker_settings()
    text = file.read_text(encoding="utf-8")
    if expect_parent and not expect_parent.startswith("sha256:"):
        expect_parent = f"sha256:{expect_parent}"
    if force and expect_parent:
        print(
            f"{file}: --force: applied whatever version is live now, not only on {expect_parent}",
            file=sys.stderr,
        )
        expect_parent = None
    applied = apply_version(
        settings,
        text,
        author_or_default(author),
        comment,
        expect_parent,
        validate=Engine.build,
        where=str(file),
    )
    v = applied.version
    if not applied.published:
        say(f"{file}: {v.version} is already the live watchlist: nothing published")
        return
    say(f"published watchlist {v.version} from {file} (parent {v.parent or 'none'})")


def backtest(
    since: str = typer.Option("24h", "--since", help="how far back: 24h, 7d, 90m, or an ISO-8601 time"),
    watchlist: Path | None = typer.Option(
        None,
        "--watchlist",
        "-w",
        help="watchlist to test (default: $WIREWATCH_WATCHLIST, else config/watchlist.yaml)",
    ),
    jsonl: bool = typer.Option(False, "--jsonl", help="print each alert as a JSON line instead of a table"),
) -> None:
    """Replay stored items through a watchlist and show what it would have fired; sends nothing.

    --since reaches back at most as far as the items topic keeps items
    (WIREWATCH_ITEMS_RETENTION_HOURS).

    Example: wirewatch backtest --since 7d
    """
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from processors.backtest import parse_since, run_backtest, within_retention
    from processors.matching import Engine
    from wirewatch.errors import BrokerError
    from wirewatch.kafka_probe import probe
    from wirewatch.settings import get_settings
    from wirewatch.topics import Topics
    from wirewatch.watchlist import load_watchlist

    now = datetime.now(UTC)
    start = parse_since(since, now)  # a mistyped --since fails before the watchlist is built
    settings = get_settings()
    within_retention(start, settings.items_retention_hours, since, now)
    engine = Engine.build(load_watchlist(watchlist or settings.watchlist))
    bootstrap = settings.kafka_bootstrap
    if not bootstrap:
        raise BrokerError("WIREWATCH_KAFKA_BOOTSTRAP is not set: which cluster holds the items?")
    probe(bootstrap, settings)
    err = Console(stderr=True)
    columns = (TextColumn("replaying items"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("items", total=None)
        report = run_backtest(
            settings,
            bootstrap,
            Topics.from_settings(settings).items,
            engine,
            start,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            on_alert=(lambda a: print(a.model_dump_json(), flush=True)) if jsonl else (lambda a: None),
        )
    stories = len({a.story_key for a in report.alerts})
    err.print(
        f"{report.items} items since {start:%Y-%m-%d %H:%M} UTC ({report.duplicates} duplicates, "
        f"{report.undecodable} undecodable) -> {stories} stories, {len(report.alerts)} alerts "
        f"with watchlist {engine.version}"
    )
    if jsonl:
        return
    out = Console()
    for heading, counts in report.summary().items():
        table = Table(title=f"stories by {heading}")
        table.add_column(heading)
        table.add_column("stories", justify="right")
        for name, n in counts.most_common(10):
            table.add_row(name, str(n))
        out.print(table)
    out.print(_stories_table(report.stories()[-STORIES_SHOWN:]))


#: Stories the backtest table lists (the latest ones); ``--jsonl`` gives every alert.
STORIES_SHOWN = 30


def _stories_table(stories: list[Alert]) -> Table:
    """The latest stories: first report, reports and sources, and why the last one joined."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"latest {len(stories)} stories (why the last report opened or joined each)")
    for column in ("first report", "reports", "sources", "grouping"):
        table.add_column(column, justify="right" if column in ("reports", "sources") else "left")
    for story in stories:
        first = min(story.items, key=lambda i: i.published_at).title if story.items else story.headline
        counts = (str(story.report_count), str(story.source_count))
        table.add_row(escape(first[:70]), *counts, escape(story.grouping or ""))
    return table


def register(app: typer.Typer) -> None:
    """Add ``process`` to ``app``, and ``apply`` and the version commands to the ``watchlist`` group."""
    from processors import watchlist_cli
    from processors.cli import watchlist_app

    app.command("process")(process)
    app.command("backtest")(backtest)
    watchlist_app.command("apply")(watchlist_apply)
    watchlist_cli.register(watchlist_app)
