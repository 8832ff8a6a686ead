"""Email subject, text and HTML bodies for one alert or a digest.

Every untrusted string is cleaned (``text.clean``) then HTML-escaped with
quotes, so a title like ``<script>`` or ``"><img onerror=…>`` is shown as
text. Links are only built from http(s) URLs, and the real host is printed
next to each. Subjects are one line (no header injection) and capped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from alerts.render import text as t
from alerts.render.links import ActionLink
from wirewatch.records import Alert, severity_rank

SUBJECT_MAX = 180

_STYLE = "font-family:sans-serif;font-size:14px;color:#222"
_COLOURS = {"low": "#2563eb", "medium": "#ca8a04", "high": "#ea580c", "critical": "#dc2626"}


def subject(alert: Alert) -> str:
    """``HIGH: air strike — Idlib (Russia)``, with ``[update 2]`` for a revision."""
    update = f" [update {alert.revision}]" if alert.revision > 0 else ""
    return t.cap(f"{t.severity_label(alert)}: {t.summary(alert)}{update}", SUBJECT_MAX)


def reply_subject(first: str) -> str:
    """The subject of a story's update: ``Re:`` and its first email's subject, so clients thread it."""
    first = t.clean(first, SUBJECT_MAX)
    return first if first.lower().startswith("re:") else t.cap(f"Re: {first}", SUBJECT_MAX)


def digest_subject(alerts: Sequence[Alert]) -> str:
    """``HIGH: 5 alerts — air strike — Idlib and 4 more (Wirewatch digest)``: the top severity first."""
    top = max(alerts, key=lambda a: severity_rank(a.severity))
    n = len(alerts)
    rest = f" and {n - 1} more" if n > 1 else ""
    text = f"{t.severity_label(top)}: {n} alert{'s' if n != 1 else ''} — {t.summary(top)}{rest}"
    return t.cap(f"{text} (Wirewatch digest)", SUBJECT_MAX)


def text_body(alert: Alert, links: Sequence[ActionLink] = ()) -> str:
    """The text/plain part of one alert, with the console's action links if any."""
    shown = [f"{a.label}: {a.url}" for a in links if t.safe_url(a.url)]
    tail = "\n\nAct on this story in the console:\n" + "\n".join(shown) if shown else ""
    return t.text_body(alert) + tail + "\n"


LinksOf = Callable[[Alert], Sequence[ActionLink]]


def _none(alert: Alert) -> Sequence[ActionLink]:
    return ()


def digest_text(alerts: Sequence[Alert], links: LinksOf = _none) -> str:
    """The text/plain part of a digest: each alert in full, oldest first, with its action links."""
    parts = [f"Wirewatch digest: {len(alerts)} alert{'s' if len(alerts) != 1 else ''}", ""]
    for alert in alerts:
        parts += ["=" * 60, text_body(alert, links(alert)), ""]
    return "\n".join(parts)


def _h(text: str) -> str:
    return escape(text, quote=True)


def _alert_html(alert: Alert) -> str:
    colour = _COLOURS[alert.severity]
    rows = [
        f'<h2 style="margin:0 0 4px 0"><span style="color:{colour}">{_h(t.severity_label(alert))}</span> '
        f"{_h(t.summary(alert))}</h2>"
    ]
    note = t.update_note(alert)
    if note:
        rows.append(f'<p style="margin:0 0 8px 0"><strong>↻ {_h(note)}</strong></p>')
    held = t.held_note(alert)
    if held:
        rows.append(f'<p style="margin:0 0 8px 0"><em>⏸ {_h(held)}</em></p>')
    what = t.join_names(alert.escalations) if alert.escalations else alert.kind
    facts = [
        ("What", what),
        ("Who", t.join_names(alert.actors)),
        ("Where", t.join_names(alert.regions)),
        ("Sources", str(alert.source_count)),
        ("Seen", f"{t.when(alert.first_seen)} → {t.when(alert.last_seen)}"),
    ]
    rows.append("<table>")
    rows += [f"<tr><th align='left'>{k}</th><td>{_h(v)}</td></tr>" for k, v in facts]
    rows.append("</table>")
    items, more = t.shown_items(alert)
    if items:
        rows.append("<ul>")
        for item in items:
            title = _h(t.clean(item.title) or "(untitled)")
            url = t.safe_url(item.url)
            linked = f'<a href="{_h(url)}">{title}</a>' if url else title
            lang = f" ({_h(t.clean(item.lang, 5))})" if item.lang else ""
            host = t.url_host(item.url)
            where = f" · <code>{_h(host)}</code>" if host else ""
            rows.append(f"<li>{linked} — {_h(t.clean(item.source, t.NAME_MAX))}{lang}{where}</li>")
        if more:
            rows.append(f"<li>… and {more} more</li>")
        rows.append("</ul>")
    rows.append(f'<p style="color:#666;font-size:12px">{_h(t.footer(alert))}</p>')
    return "\n".join(rows)


def _page(body: str) -> str:
    return f'<!DOCTYPE html>\n<html><body style="{_STYLE}">\n{body}\n</body></html>\n'


def _links_html(links: Sequence[ActionLink]) -> str:
    shown = [f'<a href="{_h(url)}">{_h(a.label)}</a>' for a in links if (url := t.safe_url(a.url))]
    return f'<p style="font-size:13px">{" · ".join(shown)}</p>' if shown else ""


def html_body(alert: Alert, links: Sequence[ActionLink] = ()) -> str:
    """The text/html part of one alert, with the console's action links if any."""
    return _page(_alert_html(alert) + _links_html(links))


def digest_html(alerts: Sequence[Alert], links: LinksOf = _none) -> str:
    """The text/html part of a digest, each alert with its action links."""
    n = len(alerts)
    parts = [f"<h1>Wirewatch digest: {n} alert{'s' if n != 1 else ''}</h1>"]
    parts += [f"<hr>\n{_alert_html(a)}{_links_html(links(a))}" for a in alerts]
    return _page("\n".join(parts))
