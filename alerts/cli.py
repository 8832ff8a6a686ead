"""Sub-commands of the delivery service, added to the ``wirewatch`` app by ``register``.

- ``wirewatch deliver [--channels FILE]``: the delivery loop; Ctrl-C or SIGTERM stops it;
- ``wirewatch dlq replay [--channel NAME]``: re-send dead letters, one JSON line each on stdout;
- ``wirewatch channels check [FILE]``: validate channels.yaml and say which channels are enabled;
- ``wirewatch channels test NAME``: send a sample alert to one channel now.

Heavy imports stay inside the commands so ``wirewatch --help`` is fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from wirewatch.output import fail, say

CHANNELS_HELP = "channels.yaml (default: $WIREWATCH_CHANNELS, else config/channels.yaml)"


def _channels_path(option: Path | None) -> Path:
    from wirewatch.settings import get_settings

    return option or get_settings().channels


def deliver(
    channels: Path | None = typer.Option(None, "--channels", help=CHANNELS_HELP),
) -> None:
    """Deliver alerts to Slack, email, webhooks, console and files; Ctrl-C or SIGTERM stops it.

    Example: wirewatch deliver --channels config/channels.yaml
    """
    import asyncio

    from prometheus_client import REGISTRY

    from alerts.config import load_channels
    from alerts.metrics import AlertsMetrics
    from alerts.service import run_deliver
    from wirewatch.errors import BrokerError
    from wirewatch.kafka_probe import probe
    from wirewatch.lag import LagReporter, lag_gauge
    from wirewatch.logs import setup_logging
    from wirewatch.metrics import serve_metrics
    from wirewatch.processes import loop_stop_event
    from wirewatch.settings import get_settings
    from wirewatch.topics import Topics, ensure_topics

    settings = get_settings()
    setup_logging("deliver", settings.log_level)
    config = load_channels(_channels_path(channels))
    if not settings.kafka_bootstrap:
        raise BrokerError("no broker configured: set WIREWATCH_KAFKA_BOOTSTRAP (or run `wirewatch up`)")
    probe(settings.kafka_bootstrap, settings)
    ensure_topics(settings.kafka_bootstrap, settings)
    metrics = AlertsMetrics.create()
    serve_metrics(settings.deliver_metrics_port, settings.metrics_host)
    lag = LagReporter(
        settings,
        settings.kafka_bootstrap,
        Topics.from_settings(settings).deliver_group,
        [Topics.from_settings(settings).alerts],
        lag_gauge(REGISTRY),
    )
    lag.start()

    async def main() -> None:
        await run_deliver(settings, config, loop_stop_event(), metrics=metrics)

    try:
        asyncio.run(main())
    finally:
        lag.stop()


def replay(
    channel: str | None = typer.Option(None, "--channel", help="only the dead letters of this channel"),
    channels: Path | None = typer.Option(None, "--channels", help=CHANNELS_HELP),
) -> None:
    """Re-send dead-lettered alerts; prints one JSON line per alert and channel.

    Example: wirewatch dlq replay --channel slack-ops
    """
    import asyncio

    from alerts.config import load_channels
    from alerts.replay import ReplayOutcome
    from alerts.replay import replay as run_replay
    from wirewatch.kafka_probe import probe
    from wirewatch.logs import setup_logging
    from wirewatch.settings import get_settings

    settings = get_settings()
    setup_logging("dlq", settings.log_level)
    config = load_channels(_channels_path(channels))
    if channel is not None and config.get(channel) is None:
        fail(f"no channel named {channel!r} in {config.source}", 2)
    if settings.kafka_bootstrap:  # unset: run_replay says so
        probe(settings.kafka_bootstrap, settings)

    def show(outcome: ReplayOutcome) -> None:
        print(json.dumps(outcome.as_dict(), ensure_ascii=False), flush=True)

    outcomes = asyncio.run(run_replay(settings, config, channel, report=show))
    sent = sum(o.outcome == "sent" for o in outcomes)
    failed = sum(o.outcome == "failed" for o in outcomes)
    say(f"replayed {sent} delivery(ies), {failed} failed, {len(outcomes) - sent - failed} skipped")
    if failed:
        raise typer.Exit(1)


def check(file: Path | None = typer.Argument(None, help=CHANNELS_HELP)) -> None:
    """Validate channels.yaml; exit 2 with file:line messages; list channels and whether they are enabled.

    Example: wirewatch channels check config/channels.yaml
    """
    import os

    from alerts.channels.base import ChannelContext
    from alerts.config import build_channels, load_channels
    from wirewatch.logs import setup_logging
    from wirewatch.settings import get_settings

    settings = get_settings()
    setup_logging("channels", "ERROR")  # the disabled reasons are in the output already
    config = load_channels(_channels_path(file))
    built = build_channels(config, ChannelContext(os.environ, settings.data_dir))
    for options in config.channels:
        row = {
            "name": options.name,
            "type": options.type,
            "default": options.name in config.default,
            "min_severity": options.min_severity,
            "digest_s": options.digest,
            "enabled": options.name in built.enabled,
            "disabled_reason": built.disabled.get(options.name),
            "invalid": options.name in built.invalid,
        }
        print(json.dumps(row), flush=True)
    say(f"{config.source}: {len(config.channels)} channel(s), {len(built.disabled)} disabled")
    for reason in built.invalid.values():
        say(reason)
    if built.invalid:
        fail(f"{config.source}: {len(built.invalid)} channel(s) invalid: fix the variables named above", 2)


def test(
    name: str = typer.Argument(..., help="the channel to send a sample alert to"),
    channels: Path | None = typer.Option(None, "--channels", help=CHANNELS_HELP),
) -> None:
    """Send one sample alert to a channel now (no broker, no ledger); exit 1 if it fails.

    Example: wirewatch channels test slack-ops
    """
    import asyncio
    import os

    from alerts.channels.base import ChannelContext
    from alerts.config import build_channels, load_channels
    from alerts.samples import channels_test_alert
    from wirewatch.logs import setup_logging
    from wirewatch.settings import get_settings

    settings = get_settings()
    setup_logging("channels", "ERROR")
    config = load_channels(_channels_path(channels))
    if config.get(name) is None:
        fail(f"no channel named {name!r} in {config.source}", 2)
    built = build_channels(config, ChannelContext(os.environ, settings.data_dir), only=[name])
    if name in built.disabled:
        fail(built.disabled[name], 2 if name in built.invalid else 1)

    async def send() -> bool:
        try:
            delivery = await built.enabled[name].send(channels_test_alert(name))
        finally:
            await built.aclose()
        say(f"{name}: sent" if delivery.ok else f"{name}: failed: {delivery.reason}")
        return delivery.ok

    if not asyncio.run(send()):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``deliver``, ``dlq replay`` and ``channels check`` to ``app``."""
    app.command("deliver")(deliver)
    dlq = typer.Typer(help="Dead-lettered deliveries.\n\nExample: wirewatch dlq replay", no_args_is_help=True)
    dlq.command("replay")(replay)
    app.add_typer(dlq, name="dlq")
    channels = typer.Typer(
        help="Delivery channels (channels.yaml).\n\nExample: wirewatch channels check", no_args_is_help=True
    )
    channels.command("check")(check)
    channels.command("test")(test)
    app.add_typer(channels, name="channels")
