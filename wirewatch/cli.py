"""The ``wirewatch`` command line: the composition root of the services.

Each service contributes its own sub-commands through ``register(app)`` in
``ingest/cli.py``, ``processors/cli.py`` and ``alerts/cli.py``; this module
owns the process-level commands (``broker``, ``up``) and turns every
``WirewatchError`` into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
import threading
import time
from pathlib import Path

import typer

from wirewatch import help_compat
from wirewatch.errors import ConfigError, WirewatchError
from wirewatch.output import error, say
from wirewatch.settings import Settings, get_settings

help_compat.apply()

app = typer.Typer(
    name="wirewatch",
    help="Streaming news-monitoring alerts: RSS/Atom wires -> Kafka -> watchlist matching -> Slack/email."
    "\n\nExample: wirewatch up --demo",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _print_version(value: bool) -> None:
    if value:
        print(f"wirewatch {importlib.metadata.version('wirewatch')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="print the version and exit"
    ),
) -> None:
    pass


#: Services `up` starts, downstream first; they stop in reverse order (upstream first).
SERVICES: tuple[str, ...] = ("console", "deliver", "process", "ingest")


def local_broker(settings: Settings):  # type: ignore[no-untyped-def]
    from wirewatch.broker import LocalBroker

    return LocalBroker(
        workdir=settings.data_dir / "broker",
        cache=settings.cache,
        port=settings.broker_port,
        heap=settings.broker_heap,
        say=say,
    )


@app.command()
def broker(
    fetch_only: bool = typer.Option(
        False, "--fetch-only", help="fetch the Kafka jars into the cache and exit"
    ),
) -> None:
    """Run a local single-node Kafka on 127.0.0.1; Ctrl-C or SIGTERM stops it.

    Prints "bootstrap: 127.0.0.1:PORT" as its first line once the broker answers.

    Example: wirewatch broker
    """
    from wirewatch.broker import ensure_jars
    from wirewatch.processes import stop_on_signals
    from wirewatch.topics import ensure_topics

    settings = get_settings()
    if fetch_only:
        say(f"Kafka jars ready in {ensure_jars(settings.cache, say=say)}")
        return
    started = time.monotonic()
    kafka = local_broker(settings)
    stop = threading.Event()
    stop_on_signals(stop)
    kafka.start()
    try:
        print(f"bootstrap: {kafka.bootstrap}", flush=True)
        ensure_topics(kafka.bootstrap, settings)
        took = time.monotonic() - started
        say(f"Kafka ready in {took:.1f} s; log: {kafka.log_path}; Ctrl-C or SIGTERM stops it")
        stop.wait()
    finally:
        say("stopping Kafka …")
        kafka.stop()
        say("Kafka stopped")


@app.command()
def up(
    demo: bool = typer.Option(False, "--demo", help="serve the bundled sample feeds locally"),
) -> None:
    """Run the whole pipeline: local broker (unless configured), then every service.

    Ctrl-C or SIGTERM stops it. With WIREWATCH_KAFKA_BOOTSTRAP set, that Kafka is used
    and no local broker starts.

    Example: wirewatch up --demo
    """
    from wirewatch.kafka_probe import probe
    from wirewatch.processes import stop_on_signals
    from wirewatch.supervisor import Supervisor, child_env, service_argv
    from wirewatch.topics import ensure_topics

    settings = get_settings()
    if settings.kafka_bootstrap:
        probe(settings.kafka_bootstrap, settings)
    stop = threading.Event()
    stop_on_signals(stop)
    started = time.monotonic()
    kafka = None
    bootstrap = settings.kafka_bootstrap
    if not bootstrap:
        kafka = local_broker(settings)
        bootstrap = kafka.start()
        print(f"bootstrap: {bootstrap}", flush=True)
        say(f"Kafka ready in {time.monotonic() - started:.1f} s (log: {kafka.log_path})")
    extra = _demo_env(settings) if demo else {}
    console_url, extra["WIREWATCH_CONSOLE_PORT"] = _console_address(settings)
    env = child_env(bootstrap, extra)
    login = _demo_login(env) if demo else None
    supervisor = Supervisor(env=env, say=say)
    failed = None
    try:
        ensure_topics(bootstrap, settings)
        for name in SERVICES:
            supervisor.spawn(name, service_argv(name))
        _wait_for_console(console_url, stop)
        print(f"console: {console_url}" + (f"  login: {login}" if login else ""), flush=True)
        say(
            f"pipeline running; alerts also go to {settings.data_dir / 'alerts.jsonl'}; "
            "Ctrl-C or SIGTERM stops it"
        )
        failed = supervisor.wait(stop)
        if failed is not None:
            say(f"{failed.name} exited with code {failed.proc.returncode}; stopping the pipeline")
    finally:
        supervisor.stop_all()
        if kafka is not None:
            say("stopping Kafka …")
            kafka.stop()
        say("all stopped")
    if failed is not None:
        raise typer.Exit(1)


def _demo_env(settings: Settings) -> dict[str, str]:
    """Serve the bundled demo feeds and point ingest at them."""
    from wirewatch.demo.server import feeds_yaml, serve_demo_feeds

    server = serve_demo_feeds(speed=settings.demo_speed)
    port = server.server_port
    feeds = data_path(settings, "demo", "feeds.yaml")
    feeds.write_text(feeds_yaml(port, interval_s=max(1.0, 5.0 / settings.demo_speed)))
    span = 90 / settings.demo_speed
    say(f"demo feeds on http://127.0.0.1:{port}/ (afp-fr.xml, wire-en.xml), new items over ~{span:.0f} s")
    return {"WIREWATCH_FEEDS": str(feeds)}


def _console_address(settings: Settings) -> tuple[str, str]:
    """The URL and port the console of `up` serves on: the configured port, else a free one if taken."""
    import socket

    from wirewatch.broker import free_port

    host, port = settings.console_host, settings.console_port
    if port:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe_socket:
            try:
                probe_socket.bind((host, port))
            except OSError:
                taken, port = port, 0
                say(f"console port {taken} is taken; the console uses another")
    port = port or free_port(host)
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}", str(port)


def _demo_login(env: dict[str, str]) -> str:
    """A console account for the demo only, `demo` with a new random password; "demo / PASSWORD"."""
    import secrets
    import subprocess

    from wirewatch.supervisor import service_argv

    password = secrets.token_urlsafe(12)
    done = subprocess.run(
        service_argv("console", "user", "add", "demo", "--role", "analyst", "--password-stdin", "--replace"),
        input=password + "\n",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise WirewatchError(f"could not create the demo's console user: {done.stderr.strip()[-300:]}")
    return f"demo / {password}"


def _wait_for_console(url: str, stop: threading.Event, timeout_s: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not stop.is_set():
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 - our own http URL
                return
        except OSError:
            stop.wait(0.2)


def _register_services() -> None:
    for module in (
        "ingest.cli",
        "processors.cli",
        "processors.stream.commands",
        "alerts.cli",
        "console.cli",
        "wirewatch.observability.cli",
    ):
        importlib.import_module(module).register(app)


_register_services()


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the app, turning library errors into one line."""
    try:
        # Without standalone mode click returns the code of a typer.Exit instead of exiting.
        code = app(args=argv, prog_name="wirewatch", standalone_mode=False)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return exc.exit_code
    except WirewatchError as exc:
        error(str(exc))
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Usage errors and aborts from typer's bundled click: shown, never a traceback.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
            return int(getattr(exc, "exit_code", 2))
        if type(exc).__name__ == "Abort":
            return 130
        raise
    return code if isinstance(code, int) else 0


def data_path(settings: Settings, *parts: str) -> Path:
    """A path under the data directory, created on demand."""
    path = settings.data_dir.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
