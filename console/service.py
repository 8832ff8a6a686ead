"""``wirewatch console`` as a process: files under the data dir, the key, uvicorn, the projector.

Files, all under ``<data_dir>/console/``: ``console.db`` (the projection: delete it and the
console rebuilds it from the topic), ``accounts.db`` (users, sessions, tokens: not
rebuildable), ``secret.key`` (the cookie-signing key when ``WIREWATCH_CONSOLE_SECRET`` is
not set; created once, mode 0600, never printed).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import stat
from collections.abc import Callable
from pathlib import Path

from console import spellings
from console.accounts import Accounts
from console.action_projector import ActionProjector
from console.action_store import ActionStore
from console.actions import Actions, KafkaProducer
from console.metrics import ConsoleMetrics, MeteredProjector, MetricsMiddleware
from console.projector import Hub, Projector
from console.store import Store
from console.web.app import Console, create_app
from console.web.security import ASGIApp, Signer, TrustedHeaderMiddleware, networks
from console.workbench import Workbench
from wirewatch.errors import ConfigError, Issue, WirewatchError
from wirewatch.settings import Settings
from wirewatch.topics import Topics

log = logging.getLogger(__name__)

KEY_BYTES = 32


def console_dir(settings: Settings) -> Path:
    return settings.data_dir / "console"


def open_accounts(settings: Settings) -> Accounts:
    return Accounts(console_dir(settings) / "accounts.db")


def secret_key(settings: Settings) -> bytes:
    """The cookie-signing key: ``WIREWATCH_CONSOLE_SECRET``, else the key file (made once, 0600).

    In production mode the variable is required: without it, ``ConfigError``.
    """
    value = settings.console_secret.get_secret_value() if settings.console_secret else ""
    if value:  # set and not empty (compose passes an unset variable as "")
        if len(value) < 16:
            raise ConfigError([Issue("WIREWATCH_CONSOLE_SECRET", None, "expected at least 16 characters")])
        return value.encode()
    if settings.console_mode == "production":
        # replicas behind one address must share the key, and a key file on one disk is not shared
        raise ConfigError(
            [
                Issue(
                    "WIREWATCH_CONSOLE_SECRET",
                    None,
                    "required in production mode (WIREWATCH_CONSOLE_MODE=production): "
                    "set it to a random value of at least 16 characters",
                )
            ]
        )
    path = console_dir(settings) / "secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(
                [Issue(str(path), None, f"readable by others (mode {mode:04o}): chmod 600 it")]
            ) from None
        key = path.read_bytes().strip()
        if len(key) < 32:
            raise ConfigError(
                [Issue(str(path), None, "too short to be a key: delete it to make a new one")]
            ) from None
        return key
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_urlsafe(KEY_BYTES).encode())
    return path.read_bytes().strip()


def secure_cookies(settings: Settings) -> bool:
    """Whether cookies are marked Secure: as configured, else in production mode only."""
    if settings.console_secure_cookies is not None:
        return settings.console_secure_cookies
    return settings.console_mode == "production"


def build(settings: Settings, metrics: ConsoleMetrics | None = None) -> Console:
    """The console of this process: its files opened, its projector ready to follow the topic.

    With ``metrics``, the projector and the live feed report to them.
    """
    key = secret_key(settings)  # first: a production console without its key opens nothing
    store = Store(console_dir(settings) / "console.db")
    store.learn_spellings(spellings.from_file(settings.watchlist))
    hub = Hub()
    projector = None
    if settings.kafka_bootstrap:
        projector = MeteredProjector(
            bootstrap=settings.kafka_bootstrap,
            topic=Topics(settings.topic_prefix).alerts,
            watchlist_topic=Topics(settings.topic_prefix).watchlist,
            store=store,
            hub=hub,
            client_config=settings.kafka_client_config(),
        )
        if metrics is not None:
            projector.attach(metrics, measure_lag=True)
    if metrics is not None:
        metrics.watch_hub(hub)
    return Console(
        actions=build_actions(settings, store, projector),
        store=store,
        accounts=open_accounts(settings),
        signer=Signer(key),
        hub=hub,
        projector=projector,
        secure_cookies=secure_cookies(settings),
        session_hours=settings.console_session_hours,
        workbench=Workbench(settings, Path(settings.channels)) if settings.kafka_bootstrap else None,
    )


def web_app(console: Console, settings: Settings, metrics: ConsoleMetrics | None = None) -> ASGIApp:
    """The app ``serve`` runs: ``create_app``, with trusted-header sign-in and metrics if configured."""
    app = create_app(console)
    # add_middleware puts each outside the ones before: metrics outermost, then the proxy's user
    if settings.console_trusted_header:
        app.add_middleware(
            TrustedHeaderMiddleware,
            accounts=console.accounts,
            header=settings.console_trusted_header,
            proxies=networks(settings.console_trusted_proxies),
            session_s=console.session_hours * 3600,
            on_result=(lambda r: metrics.trusted_header.labels(r).inc()) if metrics else (lambda r: None),
        )
    if metrics is not None:
        app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def channel_names(settings: Settings) -> list[str]:
    """The channel names of channels.yaml, for the silence form (none if it does not read)."""
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load(Path(settings.channels).read_text(encoding="utf-8")) or {}
        return sorted(
            {str(c["name"]) for c in data.get("channels", []) if isinstance(c, dict) and "name" in c}
        )
    except (OSError, YAMLError, AttributeError, TypeError):
        return []


def build_actions(settings: Settings, store: Store, alerts: Projector | None) -> Actions:
    """Acting on alerts: the producer, the actions' projection and its follower (with Kafka)."""
    topics = Topics(settings.topic_prefix)
    action_store = ActionStore(store)
    producer = None
    follower = None
    if settings.kafka_bootstrap:
        producer = KafkaProducer(settings.kafka_bootstrap, settings.kafka_client_config())
        follower = ActionProjector(
            bootstrap=settings.kafka_bootstrap,
            actions_topic=topics.actions,
            receipts_topic=topics.receipts,
            dlq_topic=topics.actions_dlq,
            store=action_store,
            dlq=producer,
            alerts_live=(lambda: alerts.status.state == "live") if alerts else (lambda: True),
            client_config=settings.kafka_client_config(),
        )
    link = settings.action_link_secret.get_secret_value() if settings.action_link_secret else None
    slack = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    return Actions(
        store=store,
        action_store=action_store,
        producer=producer,
        topic=topics.actions,
        link_secret=link or None,
        slack_secret=slack or None,
        channel_names=channel_names(settings),
        projector=follower,
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0 = a free port); a taken port is a one-line error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise WirewatchError(f"cannot serve the console on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(app: Console | ASGIApp, sock: socket.socket, on_ready: Callable[[str], None]) -> None:
    """Serve ``app`` (a ``web_app``, or a bare ``Console``) on ``sock`` until SIGINT/SIGTERM.

    ``on_ready(url)`` is called once it accepts requests.
    """
    import uvicorn

    config = uvicorn.Config(
        create_app(app) if isinstance(app, Console) else app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn offers no event to await
        await asyncio.sleep(0.05)
    if server.started:
        on_ready(url_of(sock))
    await task
