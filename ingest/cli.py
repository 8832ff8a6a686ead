"""``wirewatch ingest``, ``wirewatch feeds check`` and ``wirewatch feeds preview``.

Added to the ``wirewatch`` app by ``register``. Heavy imports stay inside the
commands so ``wirewatch --help`` stays fast. Status goes to stderr, data
(JSON lines) to stdout.
"""

from __future__ import annotations

from pathlib import Path

import typer

from wirewatch.output import say

feeds_app = typer.Typer(
    name="feeds",
    help="Check the feed list; preview what a feed would give."
    "\n\nExample: wirewatch feeds check config/feeds.yaml",
    no_args_is_help=True,
)


def ingest(
    once: bool = typer.Option(
        False, "--once", help="poll every feed once, wait for the broker's acks, exit 1 if any feed failed"
    ),
    feeds: Path | None = typer.Option(
        None, "--feeds", help="feed list (default: $WIREWATCH_FEEDS, else config/feeds.yaml)"
    ),
) -> None:
    """Poll the feeds and publish new items to Kafka; Ctrl-C or SIGTERM stops it.

    Example: wirewatch ingest --once
    """
    import asyncio

    from ingest.config import load_feeds
    from ingest.service import run_ingest
    from wirewatch.errors import BrokerError
    from wirewatch.kafka_probe import probe
    from wirewatch.logs import setup_logging
    from wirewatch.metrics import serve_metrics
    from wirewatch.processes import loop_stop_event
    from wirewatch.settings import get_settings

    settings = get_settings()
    setup_logging("ingest", settings.log_level)
    config = load_feeds(feeds or settings.feeds)
    if not settings.kafka_bootstrap:
        raise BrokerError("WIREWATCH_KAFKA_BOOTSTRAP is not set: point it at Kafka, or run `wirewatch up`")
    probe(settings.kafka_bootstrap, settings)
    server = serve_metrics(settings.ingest_metrics_port, settings.metrics_host)

    async def main() -> int:
        return await run_ingest(settings, config, loop_stop_event(), once=once)

    try:
        code = asyncio.run(main())
    finally:
        server.shutdown()
    if code:
        raise typer.Exit(code)


@feeds_app.command("check")
def check(file: Path = typer.Argument(..., help="the feed list to validate")) -> None:
    """Validate a feed list; prints "file:line: message" per problem and exits 2.

    Example: wirewatch feeds check config/feeds.yaml
    """
    from ingest.config import load_feeds

    config = load_feeds(file)
    say(f"{file}: {len(config.feeds)} feed(s), valid")


@feeds_app.command("preview")
def preview(
    target: str = typer.Argument(..., help="an http(s) URL, or a saved feed file"),
    lang: str | None = typer.Option(None, "--lang", help="declare the feed's language: fr or en"),
) -> None:
    """Print the items Wirewatch would publish from a feed, as JSON lines; touches no broker.

    Example: wirewatch feeds preview https://www.france24.com/fr/rss --lang fr
    """
    import asyncio
    import sys

    from ingest.preview import preview_items
    from wirewatch.errors import ConfigError, Issue

    if lang is not None and lang not in ("fr", "en"):
        raise ConfigError([Issue("--lang", None, f"expected fr or en, got {lang!r}")])
    parsed = asyncio.run(preview_items(target, lang))  # type: ignore[arg-type]
    for item in parsed.items:
        sys.stdout.write(item.model_dump_json() + "\n")
    sys.stdout.flush()
    note = f"; {parsed.error}" if parsed.error else ""
    say(f"{len(parsed.items)} item(s) from {target}{note}")


def register(app: typer.Typer) -> None:
    """Add ``ingest`` and the ``feeds`` group to ``app``."""
    app.command("ingest")(ingest)
    app.add_typer(feeds_app, name="feeds")
