"""Slack Block Kit payloads, with untrusted text made inert.

Slack reads ``<…>`` as control sequences: ``<!channel>``, ``<!here>``,
``<!everyone>`` ping everyone, ``<@U…>`` a user, ``<#C…>`` a channel and
``<http://evil|bank.com>`` shows one site while linking another. Escaping
``&``, ``<`` and ``>`` (Slack's own rule) turns every such sequence into
literal text. Bare ``@here``/``@channel`` words are also broken with a
zero-width space so no client setting (``link_names``) can revive them.
The only links in a message are the ones built here, from http(s) URLs,
with the real host printed next to each one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from alerts.render import text as t
from alerts.render.links import ActionLink
from wirewatch.actions import SLACK_ACTION_PREFIX, slack_button_value
from wirewatch.records import Alert, AlertItem, severity_rank

#: Slack's limits: 3000 characters per section text, 2000 per field, 50 blocks.
SECTION_MAX = 3000
FIELD_MAX = 2000
FALLBACK_MAX = 300

_MENTION = re.compile(r"(?<!\w)@(?=\w)")


def escape(text: str) -> str:
    """Already-cleaned text made literal in mrkdwn: ``&<>`` escaped, ``@word`` broken."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u200b", escaped)


def mrkdwn(text: str | None, limit: int = t.TITLE_MAX) -> str:
    """Untrusted text → cleaned, capped, escaped mrkdwn."""
    return escape(t.clean(text, limit))


def link(url: str | None, label: str) -> str:
    """``<url|label>`` for a safe http(s) URL, else the escaped label alone.

    ``label`` is untrusted and gets escaped; the URL's ``|<>`` are percent-encoded
    and ``&`` escaped, so neither can close the link early.
    """
    safe = t.safe_url(url)
    shown = mrkdwn(label) or "(untitled)"
    if safe is None:
        return shown
    target = safe.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace("&", "&amp;")
    return f"<{target}|{shown}>"


def _item(item: AlertItem) -> str:
    lang = f" ({mrkdwn(item.lang, 5)})" if item.lang else ""
    host = t.url_host(item.url)
    where = f" · `{escape(host)}`" if host else ""
    return f"• {link(item.url, item.title)} — {mrkdwn(item.source, t.NAME_MAX)}{lang}{where}"


def _title(alert: Alert) -> str:
    mark = t.SEVERITY_MARK[alert.severity]
    return f"{mark} *{t.severity_label(alert)}* · {escape(t.summary(alert))}"


def _update(alert: Alert) -> str:
    note = t.update_note(alert)
    return f"↻ *{escape(note)}*" if note else ""


def _held(alert: Alert) -> str:
    held = t.held_note(alert)
    return f"⏸ _{escape(held)}_" if held else ""


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": t.cap(text, SECTION_MAX)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t.cap(text, SECTION_MAX)}]}


def _field(label: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": t.cap(f"*{label}*\n{value}", FIELD_MAX)}


def fallback(alert: Alert) -> str:
    """The notification text (shown where blocks are not): ``HIGH: summary``."""
    update = " (update)" if alert.revision > 0 else ""
    return t.cap(f"{t.severity_label(alert)}{update}: {escape(t.summary(alert))}", FALLBACK_MAX)


def alert_payload(alert: Alert) -> dict[str, Any]:
    """The webhook body for one alert: severity, what, who, where, items, sources, watchlist."""
    return {"text": fallback(alert), "blocks": _blocks(alert, _update(alert))}


def story_header(alert: Alert) -> dict[str, Any]:
    """The story's first message as it should read now (bot mode edits it to this on each update).

    Severity, sources and items are the current ones; the note says how many
    updates there were and the latest one's reason, and points at the thread.
    """
    note = ""
    if alert.revision > 0:
        reason = t.update_reason(alert)
        s = "s" if alert.revision != 1 else ""
        latest = f" · latest: {escape(reason)}" if reason else ""
        note = f"↻ *{alert.revision} update{s}*{latest} · in the thread"
    text = t.cap(f"{t.severity_label(alert)}: {escape(t.summary(alert))}", FALLBACK_MAX)
    # The held note belongs to the update that carried it (the thread reply), not the header.
    return {"text": text, "blocks": _blocks(alert, note, held=False)}


def thread_reply(alert: Alert) -> dict[str, Any]:
    """A story's update as a reply in its thread: the reason first, then severity, sources, items."""
    blocks: list[dict[str, Any]] = [_section(_update(alert) or f"↻ *Update {alert.revision}*")]
    if _held(alert):
        blocks.append(_context(_held(alert)))
    blocks.append(
        {
            "type": "section",
            "fields": [
                _field("Severity", f"{t.SEVERITY_MARK[alert.severity]} {t.severity_label(alert)}"),
                _field("Sources", str(alert.source_count)),
            ],
        }
    )
    blocks += _items_and_footer(alert)
    return {"text": fallback(alert), "blocks": blocks}


def _items_and_footer(alert: Alert) -> list[dict[str, Any]]:
    blocks = []
    items, more = t.shown_items(alert)
    if items:
        lines = [_item(i) for i in items]
        if more:
            lines.append(f"_… and {more} more_")
        blocks.append(_section("\n".join(lines)))
    blocks.append(_context(escape(t.footer(alert))))
    return blocks


def _blocks(alert: Alert, note: str, held: bool = True) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [_section(_title(alert))]
    if note:
        blocks.append(_context(note))
    if held and _held(alert):
        blocks.append(_context(_held(alert)))
    what = ", ".join(mrkdwn(e, t.NAME_MAX) for e in alert.escalations) or escape(alert.kind)
    blocks.append(
        {
            "type": "section",
            "fields": [
                _field("What", what),
                _field("Who", escape(t.join_names(alert.actors))),
                _field("Where", escape(t.join_names(alert.regions))),
                _field("Sources", str(alert.source_count)),
            ],
        }
    )
    blocks += _items_and_footer(alert)
    return blocks


def _compact(alert: Alert, links: Sequence[ActionLink] = ()) -> str:
    lines = [_title(alert)]
    update = _update(alert)
    if update:
        lines.append(update)
    if _held(alert):
        lines.append(_held(alert))
    items, _ = t.shown_items(alert)
    if items:
        lines.append(_item(items[0]))
    lines.append(f"_{alert.source_count} source{'s' if alert.source_count != 1 else ''}_")
    shown = [link(a.url, a.label) for a in links if t.safe_url(a.url)]
    if shown:
        lines.append(" · ".join(shown))
    return "\n".join(lines)


#: the bot's buttons: (label, kind, snooze minutes)
BUTTONS: tuple[tuple[str, str, int | None], ...] = (
    ("Acknowledge", "acknowledge", None),
    ("Snooze 1 h", "snooze", 60),
    ("Snooze 24 h", "snooze", 24 * 60),
    ("Not relevant", "not_relevant", None),
)


def action_buttons(alert: Alert, mute_url: str | None = None) -> dict[str, Any]:
    """The bot mode's ``actions`` block: Slack posts a click to the console's ``/slack/actions``.

    ``action_id`` is ``wirewatch:<kind>`` (``wirewatch:snooze:60`` for a snooze); ``value``
    names the story and alert. "Mute…" is a plain link to the console's silence form.
    """
    elements: list[dict[str, Any]] = []
    for label, kind, minutes in BUTTONS:
        suffix = f":{minutes}" if minutes is not None else ""
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": label},
                "action_id": f"{SLACK_ACTION_PREFIX}{kind}{suffix}",
                "value": slack_button_value(kind, alert.story_key, alert.alert_id, minutes),
            }
        )
    url = t.safe_url(mute_url)
    if url:
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Mute…"},
                "action_id": f"{SLACK_ACTION_PREFIX}silence",
                "url": url,
            }
        )
    return {"type": "actions", "block_id": "wirewatch-actions", "elements": elements}


def action_links(links: Sequence[ActionLink]) -> dict[str, Any]:
    """A context line of console links (incoming-webhook mode, where buttons cannot call back)."""
    parts = [link(a.url, a.label) for a in links if t.safe_url(a.url)]
    return _context(" · ".join(parts))


def batch_payload(
    alerts: Sequence[Alert],
    digest: bool = False,
    links: Callable[[Alert], Sequence[ActionLink]] | None = None,
) -> dict[str, Any]:
    """One message listing several alerts (a folded burst or a digest), oldest first.

    The caller keeps ``len(alerts)`` within ``SlackChannel.max_batch`` so the
    message stays under Slack's 50-block limit.
    """
    n = len(alerts)
    top = max(alerts, key=lambda a: severity_rank(a.severity))
    head = f"*Wirewatch digest* — {n} alert{'s' if n != 1 else ''}" if digest else f"*{n} new alerts*"
    blocks: list[dict[str, Any]] = [_section(head), {"type": "divider"}]
    blocks += [_section(_compact(a, links(a) if links else ())) for a in alerts]
    versions = sorted({a.watchlist_version for a in alerts if a.watchlist_version})
    if versions:
        blocks.append(_context(escape("watchlist " + ", ".join(versions))))
    text = t.cap(f"{t.severity_label(top)}: {n} alerts — {escape(t.summary(top))}", FALLBACK_MAX)
    return {"text": text, "blocks": blocks}
