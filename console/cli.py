"""``wirewatch console`` and its ``user`` and ``token`` sub-commands, added by ``register``.

- ``wirewatch console``: serve the console; prints ``console: http://HOST:PORT`` on stdout
  first, once it accepts requests; Ctrl-C or SIGTERM stops it;
- ``wirewatch console user add NAME --role viewer|analyst|admin --password-stdin``;
- ``wirewatch console user disable NAME``;
- ``wirewatch console token create USER`` (prints the token once, on stdout), ``token revoke ID``.

Every user mistake is one line on stderr and exit 2. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import sys

import typer

from wirewatch.output import fail, say

console_app = typer.Typer(
    name="console",
    help="The analysts' web console: alerts live, stories, search, JSON API. Without a sub-command it "
    'serves, and prints "console: http://HOST:PORT" first once it does (WIREWATCH_CONSOLE_HOST, '
    "WIREWATCH_CONSOLE_PORT; 0 = a free port).\n\nExample: wirewatch console",
    invoke_without_command=True,
)
user_app = typer.Typer(
    help="Console accounts.\n\nExample: wirewatch console user add ana --role analyst --password-stdin",
    no_args_is_help=True,
)
token_app = typer.Typer(
    help="API tokens (Authorization: Bearer …).\n\nExample: wirewatch console token create ana",
    no_args_is_help=True,
)
ROLE_HELP = "viewer (reads), analyst (reads and acts on alerts), admin (also manages accounts)"


@console_app.callback()
def console(ctx: typer.Context) -> None:
    """Serve the console; prints "console: http://HOST:PORT" first once it serves.

    Binds WIREWATCH_CONSOLE_HOST (127.0.0.1) on WIREWATCH_CONSOLE_PORT (9404; 0 = a free
    port), /metrics on WIREWATCH_CONSOLE_METRICS_PORT (9405). Serves what it has stored while
    Kafka is unreachable, and catches up when it returns. With WIREWATCH_CONSOLE_MODE=production
    it refuses to start without WIREWATCH_CONSOLE_SECRET.

    Example: wirewatch console
    """
    if ctx.invoked_subcommand is not None:
        return
    import asyncio
    import signal

    from console.metrics import ConsoleMetrics
    from console.service import bind, build, serve, web_app
    from wirewatch.logs import setup_logging
    from wirewatch.metrics import serve_metrics
    from wirewatch.settings import get_settings

    settings = get_settings()
    setup_logging("console", settings.log_level)
    metrics = ConsoleMetrics.create()
    built = build(settings, metrics)
    if built.projector is None:
        built.status.state = "connecting"
        built.status.error = "WIREWATCH_KAFKA_BOOTSTRAP is not set"
        say("WIREWATCH_KAFKA_BOOTSTRAP is not set: serving what is stored, following no topic")
    sock = bind(settings.console_host, settings.console_port)
    serve_metrics(settings.console_metrics_port, settings.metrics_host)

    def ready(url: str) -> None:
        print(f"console: {url}", flush=True)
        say(f"console serving on {url}; Ctrl-C or SIGTERM stops it")

    # uvicorn catches SIGINT/SIGTERM while it serves, shuts down gracefully, then raises the
    # signal again against the handlers it found: these, so a requested stop exits 0
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        asyncio.run(serve(web_app(built, settings, metrics), sock, ready))
    finally:
        sock.close()
        built.store.close()
        built.accounts.close()


def _accounts():  # type: ignore[no-untyped-def]
    from console.service import open_accounts
    from wirewatch.settings import get_settings

    return open_accounts(get_settings())


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="the user name (letters, digits, . _ @ -)"),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from the first line of stdin"
    ),
    replace: bool = typer.Option(
        False, "--replace", help="an existing user gets this role and password, and is enabled"
    ),
    slack_id: str | None = typer.Option(None, "--slack-id", help="the user's Slack user id (U123…)"),
) -> None:
    """Add a console user; the password comes from stdin, never from the command line.

    Example: printf '%s\\n' "$PASSWORD" | wirewatch console user add ana --role analyst --password-stdin
    """
    if not password_stdin:
        fail("give the password on stdin, with --password-stdin", 2)
    password = sys.stdin.readline().rstrip("\r\n")
    accounts = _accounts()
    user = accounts.add_user(name, role, password, replace=replace)
    if slack_id:
        accounts.link_slack(name, slack_id)
    say(f"user {user.name} ({user.role}) {'updated' if replace else 'added'}")


@user_app.command("link")
def user_link(
    name: str = typer.Argument(..., help="the user name"),
    slack_id: str = typer.Option(
        ..., "--slack-id", help="the Slack user id (U123…) whose buttons act as NAME"
    ),
) -> None:
    """Link a Slack user to a console user: their clicks on Slack buttons act with NAME's role.

    Example: wirewatch console user link ana --slack-id U0123ABCD
    """
    _accounts().link_slack(name, slack_id)
    say(f"Slack user {slack_id} acts as {name}")


@user_app.command("disable")
def user_disable(name: str = typer.Argument(..., help="the user name")) -> None:
    """Disable a user: its sessions end and its API tokens stop working at once.

    Example: wirewatch console user disable ana
    """
    _accounts().disable(name)
    say(f"user {name} disabled; its sessions ended and its tokens no longer work")


@user_app.command("list")
def user_list() -> None:
    """List users as "NAME ROLE [disabled]" lines.

    Example: wirewatch console user list
    """
    for user in _accounts().users():
        print(f"{user.name}\t{user.role}{chr(9) + 'disabled' if user.disabled else ''}")


@token_app.command("create")
def token_create(user: str = typer.Argument(..., help="the user the token acts for, with its role")) -> None:
    """Create an API token and print it, once, on stdout; only its hash is kept.

    Example: wirewatch console token create ana
    """
    token_id, token = _accounts().create_token(user)
    print(token, flush=True)
    say(f"token {token_id} for {user}, shown this once; `wirewatch console token revoke {token_id}` ends it")


@token_app.command("revoke")
def token_revoke(
    token_id: str = typer.Argument(..., help="the token's id, as `token create` said it"),
) -> None:
    """Revoke an API token: it stops working at once.

    Example: wirewatch console token revoke 1a2b3c4d
    """
    _accounts().revoke_token(token_id)
    say(f"token {token_id} revoked")


def register(app: typer.Typer) -> None:
    """Add ``console`` (with ``user`` and ``token``) to ``app``."""
    console_app.add_typer(user_app, name="user")
    console_app.add_typer(token_app, name="token")
    app.add_typer(console_app, name="console")
    from console.feedback import feedback_app

    app.add_typer(feedback_app, name="feedback")
