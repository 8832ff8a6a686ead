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
from console.projector import Hub, Projector
from console.store import Store
from console.web.app import Console, create_app
from console.web.security import Signer
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
    """The cookie-signing key: ``WIREWATCH_CONSOLE_SECRET``, else the key file (made once, 0600)."""
    value = settings.console_secret.get_secret_value() if settings.console_secret else ""
    if value:  # set and not empty (compose passes an unset variable as "")
        if len(value) < 16:
            raise ConfigError([Issue("WIREWATCH_CONSOLE_SECRET", None, "expected at least 16 characters")])
        return value.encode()
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


def build(settings: Settings) -> Console:
    """The console of this process: its files opened, its projector ready to follow the topic."""
    store = Store(console_dir(settings) / "console.db")
    store.learn_spellings(spellings.from_file(settings.watchlist))
    hub = Hub()
    projector = None
    if settings.kafka_bootstrap:
        projector = Projector(
            bootstrap=settings.kafka_bootstrap,
            topic=Topics(settings.topic_prefix).alerts,
            watchlist_topic=Topics(settings.topic_prefix).watchlist,
            store=store,
            hub=hub,
            client_config=settings.kafka_client_config(),
        )
    return Console(
        store=store,
        accounts=open_accounts(settings),
        signer=Signer(secret_key(settings)),
        hub=hub,
        projector=projector,
        secure_cookies=settings.console_secure_cookies,
        session_hours=settings.console_session_hours,
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


async def serve(console: Console, sock: socket.socket, on_ready: Callable[[str], None]) -> None:
    """Serve ``console`` on ``sock`` until SIGINT/SIGTERM; ``on_ready(url)`` once it accepts requests."""
    import uvicorn

    config = uvicorn.Config(
        create_app(console),
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
