"""Sub-commands of the processor service, added to the ``wirewatch`` app by ``register``.

``try`` and ``watchlist check`` run the matching engine with no broker;
the ``watchlist`` group is where ``apply`` joins ``check``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from wirewatch.output import say

watchlist_app = typer.Typer(
    help="Validate and publish watchlists.\n\nExample: wirewatch watchlist check config/watchlist.yaml",
    no_args_is_help=True,
)

WATCHLIST_OPTION = typer.Option(
    None,
    "--watchlist",
    "-w",
    help="watchlist file (default: $WIREWATCH_WATCHLIST, else config/watchlist.yaml)",
)


def _watchlist_path(path: Path | None) -> Path:
    from wirewatch.settings import get_settings

    return path if path is not None else get_settings().watchlist


CHANNELS_OPTION = typer.Option(
    None,
    "--channels",
    help="channels file the rules' notify names are checked against "
    "(default: $WIREWATCH_CHANNELS, else config/channels.yaml)",
)


@watchlist_app.command("check")
def watchlist_check(
    file: Path = typer.Argument(..., help="the watchlist YAML file"),
    channels: Path | None = CHANNELS_OPTION,
) -> None:
    """Validate a watchlist: one "file:line: message" per problem and exit 2, else a one-line summary.

    Also warns, with exit 0, of a rule that notifies a channel the channels file does not
    define, and of rules (or a whole watchlist) that can never alert.

    Example: wirewatch watchlist check config/watchlist.yaml
    """
    from processors.matching import Engine
    from wirewatch.settings import get_settings
    from wirewatch.watchlist_warnings import check_watchlist

    checked = check_watchlist(file, channels or get_settings().channels)
    engine = Engine.build(checked.watchlist)
    for warning in checked.warnings:
        print(warning, file=sys.stderr)
    say(f"{file}: ok — {engine.summary()}")
    if checked.warnings:
        say(f"{file}: {len(checked.warnings)} warning(s) above")


def try_(
    texts: list[str] | None = typer.Argument(
        None, help="the text(s) to match (default: read stdin); several are also grouped into stories"
    ),
    jsonl: bool = typer.Option(
        False, "--jsonl", help='read JSON lines {"id", "text" | "title"+"summary", "lang"} from stdin'
    ),
    lang: str | None = typer.Option(
        None, "--lang", help="language hint: fr or en (with --jsonl, for lines without one)"
    ),
    watchlist: Path | None = WATCHLIST_OPTION,
) -> None:
    """Dry-run the matching engine: explain what a text triggers, or answer JSON lines.

    Given several texts, also says which of them would make one story and why.
    An empty text, a text with --jsonl, a language other than fr or en and input
    that is not UTF-8 are errors (exit 2).

    Example: wirewatch try "Frappes sur Saraqeb : 12 morts" "Air strikes on Saraqib kill 17"
    """
    from processors.matching import Engine
    from processors.matching.explain import check_try_options, explain, run_jsonl, texts_to_try
    from processors.stream.explain import tell_texts
    from processors.stream.grouping import grouping_policy
    from wirewatch.settings import get_settings
    from wirewatch.watchlist import load_watchlist

    check_try_options(texts, jsonl, lang)
    if jsonl:
        engine = Engine.build(load_watchlist(_watchlist_path(watchlist)))
        src = getattr(sys.stdin, "buffer", sys.stdin)  # bytes, so that bad UTF-8 is told, not replaced
        bad = run_jsonl(engine, src, sys.stdout, sys.stderr, default_lang=lang)
        if bad:
            # SystemExit, not typer.Exit: wirewatch.cli.main drops the code click returns for Exit.
            raise SystemExit(2)
        return
    texts = texts_to_try(texts, sys.stdin)
    engine = Engine.build(load_watchlist(_watchlist_path(watchlist)))
    for n, text in enumerate(texts, start=1):
        if len(texts) > 1:
            print(f"text {n}:")
        print(explain(engine, engine.evaluate(text, lang)))
    if len(texts) > 1:
        print("stories:")
        for line in tell_texts(engine, texts, lang, grouping_policy(get_settings())):
            print(f"  {line}")


def register(app: typer.Typer) -> None:
    """Add this service's commands to ``app``: ``try`` and the ``watchlist`` group."""
    app.command("try")(try_)
    app.add_typer(watchlist_app, name="watchlist")
