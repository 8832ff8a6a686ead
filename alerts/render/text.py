"""Plain-text pieces every rendering shares, and the cleaning of untrusted text.

Titles, summaries, source names and URLs come from the internet. Before any
channel-specific escaping, ``clean`` removes what could fool a reader or a
terminal whatever the channel: control characters (ANSI escapes), bidi
overrides that reorder text on screen, zero-width characters, line breaks,
and it caps the length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from wirewatch.records import Alert, AlertItem

TITLE_MAX = 200
NAME_MAX = 80
LIST_MAX = 400
URL_MAX = 2000
#: headline items shown per alert
ITEMS_SHOWN = 5

# Cc (controls, incl. ESC), Cf (format: bidi overrides, zero-width joiners…),
# Zl/Zp (line/paragraph separators). All become a space or vanish.
_DROP_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_SPACES = re.compile(r"\s+")

SEVERITY_MARK = {"low": "🔵", "medium": "🟡", "high": "🟠", "critical": "🔴"}


def clean(text: str | None, limit: int = TITLE_MAX) -> str:
    """Untrusted text made safe to show on one line, at most ``limit`` characters.

    Returns plain text: still needs the target's escaping (Slack, HTML).
    """
    if not text:
        return ""
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.category(ch) in _DROP_CATEGORIES:
            kept.append(" " if ch in "\t\n\r\v\f\x85\u2028\u2029" else "")
        else:
            kept.append(ch)
    flat = _SPACES.sub(" ", "".join(kept)).strip()
    return cap(flat, limit)


def cap(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in ``…`` when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a plain http(s) URL with a host, else None (never linked)."""
    if not url or len(url) > URL_MAX:
        return None
    if any(unicodedata.category(ch) in _DROP_CATEGORIES or ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def url_host(url: str | None) -> str:
    """The host a link really points to, shown next to it so a title cannot pass for another site."""
    safe = safe_url(url)
    if safe is None:
        return ""
    host = urlsplit(safe).hostname or ""
    # Show punycode as-is: a homoglyph domain stays visibly odd.
    return host.encode("idna").decode("ascii") if not host.isascii() else host


def join_names(names: Sequence[str], limit: int = LIST_MAX) -> str:
    """``a, b, c`` of cleaned names, capped; ``—`` when empty."""
    return cap(", ".join(clean(n, NAME_MAX) for n in names), limit) or "—"


def when(moment: datetime) -> str:
    """``2026-11-24 12:03 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def severity_label(alert: Alert) -> str:
    """``HIGH``."""
    return alert.severity.upper()


def summary(alert: Alert) -> str:
    """The short summary: ``air strike — Idlib (Russia)``, cleaned and capped."""
    return clean(alert.headline, TITLE_MAX)


def update_reason(alert: Alert) -> str:
    """Why the story was told again, cleaned, its reasons joined by `` · ``.

    Processors join the reasons with `` · `` (``3 sources · toll 12 → 17``);
    older ones joined them with ``;``, which reads the same here.
    """
    parts = [clean(part, TITLE_MAX) for part in (alert.update_reason or "").split(";")]
    return cap(" · ".join(p for p in parts if p), LIST_MAX)


def update_note(alert: Alert) -> str:
    """``Update 2: reported by 3 sources (new: AP) · severity raised…`` for a revision > 0, else empty."""
    if alert.revision <= 0:
        return ""
    reason = update_reason(alert)
    return f"Update {alert.revision}" + (f": {reason}" if reason else "")


def held_note(alert: Alert) -> str:
    """What an action kept back before this push (``while snoozed: 4 reports…``), cleaned; or empty."""
    return clean(alert.held_by, LIST_MAX)


def shown_items(alert: Alert) -> tuple[list[AlertItem], int]:
    """The headline items to list, newest first, and how many more were left out."""
    items = sorted(alert.items, key=lambda i: i.published_at, reverse=True)
    return items[:ITEMS_SHOWN], max(0, len(items) - ITEMS_SHOWN)


def item_line(item: AlertItem) -> str:
    """``Title — Source (fr) · host · 12:03 UTC`` for plain text renderings."""
    lang = f" ({clean(item.lang, 5)})" if item.lang else ""
    host = url_host(item.url)
    where = f" · {host}" if host else ""
    return f"{clean(item.title) or '(untitled)'} — {clean(item.source, NAME_MAX)}{lang}{where}"


def footer(alert: Alert) -> str:
    """``rule x · watchlist v3 · alert abc`` (identifiers, cleaned)."""
    parts = [f"rule {clean(alert.rule, NAME_MAX)}"]
    if alert.watchlist_version:
        parts.append(f"watchlist {clean(alert.watchlist_version, NAME_MAX)}")
    parts.append(f"alert {clean(alert.alert_id, NAME_MAX)}")
    return " · ".join(parts)


def text_body(alert: Alert) -> str:
    """The whole alert as readable plain text (email text part, console)."""
    lines = [f"{severity_label(alert)}: {summary(alert)}"]
    note = update_note(alert)
    if note:
        lines.append(f"↻ {note}")
    held = held_note(alert)
    if held:
        lines.append(f"⏸ {held}")
    lines += [
        "",
        f"What:    {join_names(alert.escalations) if alert.escalations else alert.kind}",
        f"Who:     {join_names(alert.actors)}",
        f"Where:   {join_names(alert.regions)}",
        f"Sources: {alert.source_count}",
        f"Seen:    {when(alert.first_seen)} → {when(alert.last_seen)}",
        "",
    ]
    items, more = shown_items(alert)
    for item in items:
        lines.append(f"- {item_line(item)}")
        url = safe_url(item.url)
        if url:
            lines.append(f"  {url}")
    if more:
        lines.append(f"  … and {more} more")
    lines += ["", footer(alert)]
    return "\n".join(lines)
