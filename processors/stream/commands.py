"""``wirewatch process`` and ``wirewatch watchlist apply`` (registered by processors/cli.py)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import typer


def _say(message: str) -> None:
    print(f"wirewatch: {message}", file=sys.stderr, flush=True)


def process(
    watchlist: Path | None = typer.Option(
        None, "--watchlist", "-w", help="watchlist published when the topic is empty (default: config)"
    ),
) -> None:
    """Run one stream-processor worker (faust) until Ctrl-C or SIGTERM."""
    from processors.stream.worker import run_worker
    from wirewatch.logs import setup_logging
    from wirewatch.settings import get_settings

    settings = get_settings()
    setup_logging("process", settings.log_level)
    code = run_worker(settings, watchlist or settings.watchlist)
    if code:
        raise typer.Exit(code)


def watchlist_apply(file: Path = typer.Argument(..., help="the watchlist YAML file")) -> None:
    """Validate a watchlist and publish it: every processor worker switches to it live."""
    from processors.matching import Engine
    from processors.stream.live_watchlist import publish_watchlist
    from wirewatch.errors import BrokerError
    from wirewatch.settings import get_settings
    from wirewatch.topics import Topics, ensure_topics
    from wirewatch.watchlist import load_watchlist

    settings = get_settings()
    watchlist = load_watchlist(file)
    Engine.build(watchlist)  # refuse what the workers could not build either
    bootstrap = settings.kafka_bootstrap
    if not bootstrap:
        raise BrokerError("WIREWATCH_KAFKA_BOOTSTRAP is not set: which cluster should get the watchlist?")
    ensure_topics(bootstrap, settings)
    topic = Topics.from_settings(settings).watchlist
    asyncio.run(publish_watchlist(bootstrap, topic, file.read_bytes(), settings.kafka_client_config()))
    _say(f"published watchlist {watchlist.content_hash} from {file} to {topic}")


def register(app: typer.Typer) -> None:
    """Add ``process`` to ``app`` and ``apply`` to the ``watchlist`` group."""
    from processors.cli import watchlist_app

    app.command("process")(process)
    watchlist_app.command("apply")(watchlist_apply)
