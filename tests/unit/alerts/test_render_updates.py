"""A story's updates in every rendering: the reason shown, untrusted text inert, threads' own pieces."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from rich.console import Console

from alerts.channels.console import panel
from alerts.channels.webhook import payload as webhook_payload
from alerts.render import email, slack, text
from alerts.samples import sample_alert
from wirewatch.records import Alert, Severity

LIVE = re.compile(r"<[!@#]|(?<!\w)@(here|channel|everyone)\b")
REASON = "reported by 3 sources (new: AP); toll 12 → 17"


def update(
    revision: int = 2, reason: str | None = REASON, severity: Severity = "high", items: int = 2
) -> Alert:
    alert = sample_alert(1, revision=revision, severity=severity, items=items)
    return alert.model_copy(update={"update_reason": reason})


def _text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize(
    ("revision", "reason", "note"),
    [
        (0, REASON, ""),
        (2, REASON, "Update 2: reported by 3 sources (new: AP) · toll 12 → 17"),
        (1, None, "Update 1"),
        (1, " ; ;severity raised from high to critical ", "Update 1: severity raised from high to critical"),
        (3, "a\nb\u202e; c", "Update 3: a b · c"),
    ],
)
def test_update_note_joins_the_reasons(revision: int, reason: str | None, note: str) -> None:
    assert text.update_note(update(revision, reason)) == note


def test_every_rendering_shows_the_update_reason() -> None:
    alert = update()
    shown = "Update 2: reported by 3 sources (new: AP) · toll 12 → 17"
    assert f"↻ *{shown}*" in _text(slack.alert_payload(alert))
    assert f"↻ *{shown}*" in _text(slack.thread_reply(alert))
    assert "2 updates* · latest: reported by 3 sources (new: AP) · toll 12 → 17" in _text(
        slack.story_header(alert)
    )
    assert shown in _text(slack.batch_payload([alert, sample_alert(2)]))
    assert f"↻ {shown}" in email.text_body(alert)
    assert f"<strong>↻ {shown}</strong>" in email.html_body(alert)
    assert shown in email.digest_text([alert]) and shown in email.digest_html([alert])
    out = io.StringIO()
    Console(file=out, width=200).print(panel(alert))
    assert f"↻ {shown}" in out.getvalue()
    assert webhook_payload([alert], "hook", "alert")["alert"]["update_reason"] == REASON


def test_a_first_telling_has_no_update_note() -> None:
    first = sample_alert(1)
    assert "↻" not in _text(slack.alert_payload(first)) + _text(slack.story_header(first))
    assert "↻" not in email.text_body(first) + email.html_body(first)


def test_thread_reply_and_header_are_inert(hostile: Alert) -> None:
    for payload in slack.thread_reply(hostile), slack.story_header(hostile):
        out = _text(payload)
        assert not LIVE.search(out), out
        assert "&lt;!here&gt; spoof" in out
        links = re.findall(r"<([^|>]*)\|", out)
        assert all(link.startswith("https://www.example.org/") for link in links)
        assert len(payload["blocks"]) <= 50
    html = email.html_body(hostile)
    assert "&lt;!here&gt; spoof" in html and "<!here>" not in html


def test_thread_reply_shows_severity_sources_and_the_newest_items() -> None:
    reply = _text(slack.thread_reply(update(severity="critical", items=7)))
    assert "*Severity*\\n🔴 CRITICAL" in reply and "*Sources*\\n7" in reply
    assert "and 2 more" in reply and "rule strikes-near-watch-area" in reply
    assert slack.thread_reply(update())["text"].startswith("HIGH (update):")


def test_story_header_reads_as_the_story_does_now() -> None:
    header = slack.story_header(update(1, severity="critical", items=4))
    out = _text(header)
    assert "*CRITICAL*" in out and "*Sources*\\n4" in out and "1 update* · latest" in out
    assert header["text"].startswith("CRITICAL: air strike") and "(update)" not in header["text"]


@pytest.mark.parametrize(
    ("first", "reply"),
    [
        ("HIGH: air strike — Idlib", "Re: HIGH: air strike — Idlib"),
        ("Re: HIGH: x", "Re: HIGH: x"),
        ("HIGH: a\r\nBcc: v@example.org", "Re: HIGH: a Bcc: v@example.org"),
    ],
)
def test_reply_subject(first: str, reply: str) -> None:
    assert email.reply_subject(first) == reply


def test_reply_subject_is_capped() -> None:
    assert len(email.reply_subject("x" * 500)) <= email.SUBJECT_MAX
