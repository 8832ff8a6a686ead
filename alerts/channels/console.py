"""The console channel: a readable block per alert on stdout (the demo's default).

Built from rich ``Text`` objects, never markup strings, so ``[bold]`` or an
ANSI escape in a title is printed as text (``render.text.clean`` already
dropped control characters).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, Literal

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from alerts.channels.base import Channel, ChannelOptions, Delivery
from alerts.render import text as t
from wirewatch.records import Alert

_STYLE = {"low": "blue", "medium": "yellow", "high": "dark_orange", "critical": "bold red"}


class ConsoleOptions(ChannelOptions):
    """``type: console`` block: nothing beyond the common keys."""

    type: Literal["console"]


def panel(alert: Alert) -> Panel:
    """The rich renderable of one alert."""
    body = Text()
    note = t.update_note(alert)
    if note:
        body.append(f"↻ {note}\n", style="bold")
    what = t.join_names(alert.escalations) if alert.escalations else alert.kind
    for label, value in (
        ("What", what),
        ("Who", t.join_names(alert.actors)),
        ("Where", t.join_names(alert.regions)),
        ("Sources", str(alert.source_count)),
    ):
        body.append(f"{label:<8}", style="bold")
        body.append(f"{value}\n")
    items, more = t.shown_items(alert)
    for item in items:
        body.append(f"• {t.item_line(item)}\n")
        url = t.safe_url(item.url)
        if url:
            body.append(f"  {url}\n", style="dim")
    if more:
        body.append(f"  … and {more} more\n", style="dim")
    body.append(t.footer(alert), style="dim")
    title = Text(f"{t.severity_label(alert)} · {t.summary(alert)}", style=_STYLE[alert.severity])
    return Panel(body, title=title, title_align="left", border_style=_STYLE[alert.severity])


class ConsoleChannel(Channel):
    """Prints each alert as a panel on stdout."""

    type = "console"
    Options = ConsoleOptions
    max_batch = 1000

    def __init__(self, options: ChannelOptions, out: IO[str] | None = None):
        super().__init__(options)
        self._out = out

    def _console(self) -> Console:
        # sys.stdout is looked up per send: it may be replaced (captured, redirected) after start.
        return Console(file=self._out or sys.stdout, highlight=False, soft_wrap=False)

    async def send(self, alert: Alert) -> Delivery:
        return await self.send_batch([alert])

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        console = self._console()
        try:
            if digest:
                console.rule(f"digest: {len(alerts)} alerts")
            for alert in alerts:
                console.print(panel(alert))
            console.file.flush()
        except (OSError, ValueError) as exc:  # stdout closed or full
            return Delivery.failed(self.name, f"cannot write to stdout: {exc}")
        return Delivery.sent(self.name)
