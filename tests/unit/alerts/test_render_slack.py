"""Slack rendering: every control sequence in untrusted text is inert."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.render import slack
from alerts.samples import sample_alert
from wirewatch.records import Alert

# A Slack control sequence: <!…>, <@…>, <#…>, or a <url|text> link.
CONTROL = re.compile(r"<[!@#]|<[a-z]+://[^>]*\|")
LIVE_MENTION = re.compile(r"(?<!\w)@(here|channel|everyone)\b")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("<!everyone>", "&lt;!everyone&gt;"),
        ("<@U024BE7LH>", "&lt;@\u200bU024BE7LH&gt;"),
        ("<#C024BE7LR|general>", "&lt;#C024BE7LR|general&gt;"),
        ("<!subteam^S012>", "&lt;!subteam^S012&gt;"),
        ("<http://evil.example|bank.com>", "&lt;http://evil.example|bank.com&gt;"),
        ("AT&T", "AT&amp;T"),
        ("&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"),
        ("@here now", "@\u200bhere now"),
        ("ping @channel", "ping @\u200bchannel"),
        ("mail me: a@b.org", "mail me: a@b.org"),
        ("line\nbreak\u202eevil", "line breakevil"),
    ],
)
def test_mrkdwn_neutralises(raw: str, expected: str) -> None:
    assert slack.mrkdwn(raw) == expected


@given(st.text(max_size=400))
def test_mrkdwn_never_leaves_a_control_sequence(text: str) -> None:
    out = slack.mrkdwn(text)
    assert "<" not in out and ">" not in out
    assert not LIVE_MENTION.search(out)
    # & only starts one of the three escapes
    assert re.sub(r"&(amp|lt|gt);", "", out).count("&") == 0


@given(st.text(max_size=100), st.text(max_size=100))
def test_link_has_exactly_one_link_and_no_spoofed_one(url: str, label: str) -> None:
    out = slack.link("https://example.org/" + url, label)
    assert out.count("<") <= 1 and out.count(">") <= 1
    if out.startswith("<"):
        target = out[1 : out.index("|")]
        assert target.startswith("https://example.org/")
        assert "<" not in out[1:] and ">" not in out[:-1]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://x", "https://", "", None])
def test_only_http_urls_become_links(url: str | None) -> None:
    assert slack.link(url, "title") == "title"


def test_link_cannot_be_closed_early_by_the_url() -> None:
    out = slack.link("https://example.org/a|b>c<d&e", "t")
    assert out == "<https://example.org/a%7Cb%3Ec%3Cd&amp;e|t>"


def _all_text(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_injection_title_is_inert_in_a_message(hostile: Alert, injection: str) -> None:
    payload = slack.alert_payload(hostile)
    text = _all_text(payload)
    assert injection not in text
    # The only link in the message is the item's http link (the javascript: one is dropped).
    links = re.findall(r"<([^|>]*)\|", text)
    assert all(link.startswith("https://www.example.org/") for link in links)
    assert not re.search(r"<[!@#]", text)
    assert not LIVE_MENTION.search(text)
    assert (
        "&lt;!channel&gt; Breaking &lt;http://evil.example|reuters.com&gt; @\u200bhere &lt;script&gt;" in text
    )


def test_batch_payload_is_inert_and_within_slack_limits(hostile: Alert) -> None:
    alerts = [hostile] + [sample_alert(n) for n in range(19)]
    payload = slack.batch_payload(alerts)
    assert len(payload["blocks"]) <= 50
    assert not re.search(r"<[!@#]", _all_text(payload))
    for block in payload["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= slack.SECTION_MAX


def test_message_has_what_who_where_items_sources_and_watchlist() -> None:
    payload = slack.alert_payload(sample_alert(3, items=7))
    text = _all_text(payload)
    for expected in ("*HIGH*", "air strike", "Russia", "Idlib", "*Sources*\\n7", "watchlist sample"):
        assert expected in text
    assert "and 2 more" in text  # five items shown, the rest counted
    assert "(fr)" in text and "`www.example.org`" in text


def test_an_update_is_marked_as_one() -> None:
    first, update = sample_alert(4), sample_alert(4, revision=1)
    assert "Update" not in _all_text(slack.alert_payload(first))
    assert "↻ *Update 1: new sources*" in _all_text(slack.alert_payload(update))
    assert slack.fallback(update).startswith("HIGH (update):")


def test_long_titles_are_capped() -> None:
    alert = sample_alert(5, title="x" * 10_000)
    payload = slack.alert_payload(alert)
    assert len(_all_text(payload)) < 6000
