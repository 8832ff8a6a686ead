"""held_by in every rendering, Slack buttons, signed console links, and the never_mute option."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from alerts.config import parse_channels
from alerts.render import email, slack, text
from alerts.render.links import ActionLinks
from alerts.samples import sample_alert
from wirewatch.actions import parse_slack_button_value, verify_link
from wirewatch.configfile import parse_yaml
from wirewatch.errors import ConfigError
from wirewatch.records import Alert

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
INJECTION = "<!channel> Breaking <http://evil.example|reuters.com> @here <script>"

HELD = "while snoozed: 4 reports, 2 new outlets, severity high → critical"


def held(note: str = HELD) -> Alert:
    return sample_alert(1, at=T0, revision=3).model_copy(update={"held_by": note})


RENDERINGS: list[tuple[str, Callable[[Alert], str]]] = [
    ("text", text.text_body),
    ("email text", email.text_body),
    ("email html", email.html_body),
    ("slack webhook", lambda a: json.dumps(slack.alert_payload(a), ensure_ascii=False)),
    ("slack reply", lambda a: json.dumps(slack.thread_reply(a), ensure_ascii=False)),
    ("slack batch", lambda a: json.dumps(slack.batch_payload([a, a]), ensure_ascii=False)),
    ("webhook json", lambda a: a.model_dump_json()),
]


@pytest.mark.parametrize("render", [r for _, r in RENDERINGS], ids=[n for n, _ in RENDERINGS])
def test_every_rendering_shows_held_by(render: Callable[[Alert], str]) -> None:
    assert HELD in render(held())
    assert "while snoozed" not in render(sample_alert(1, at=T0, revision=3))


@pytest.mark.parametrize(
    ("render", "forbidden"),
    [
        (lambda a: json.dumps(slack.alert_payload(a)), "<!channel>"),
        (email.html_body, "<script>"),
    ],
    ids=["slack", "email html"],
)
def test_held_by_is_escaped(render: Callable[[Alert], str], forbidden: str) -> None:
    assert forbidden not in render(held(INJECTION))


def test_the_bot_buttons_name_their_action_and_story() -> None:
    alert = sample_alert(1, at=T0)
    block = slack.action_buttons(alert, "https://console.example.org/silences/new?story_key=story-1")
    ids = [e["action_id"] for e in block["elements"]]
    assert ids == [
        "wirewatch:acknowledge",
        "wirewatch:snooze:60",
        "wirewatch:snooze:1440",
        "wirewatch:not_relevant",
        "wirewatch:silence",
    ]
    values = [parse_slack_button_value(e["value"]) for e in block["elements"] if "value" in e]
    assert {v["story_key"] for v in values} == {"story-1"} and values[1]["minutes"] == 60
    assert block["elements"][-1]["url"].startswith("https://console.example.org/silences/new?")
    assert "url" not in slack.action_buttons(alert, "javascript:alert(1)")["elements"][-1]


@pytest.mark.parametrize(
    ("url", "secret", "kinds"),
    [
        (None, None, []),
        ("https://console.example.org", None, []),
        (None, "s3cret", []),
        ("https://console.example.org", "s3cret", ["acknowledge", "snooze", "not_relevant", "silence"]),
    ],
)
def test_links_need_the_console_and_the_secret(url: str | None, secret: str | None, kinds: list[str]) -> None:
    links = ActionLinks(url, SecretStr(secret) if secret else None, 1.0)
    made = links.actions(sample_alert(1, at=T0), "mail")
    assert [link.kind for link in made] == kinds
    for link in made[:3]:
        token = parse_qs(urlsplit(link.url).query)["token"][0]
        claim = verify_link("s3cret", token)
        assert claim.kind == link.kind and claim.channel == "mail" and claim.story_key == "story-1"
        assert claim.expires > T0 - timedelta(days=1)
    assert len({link.url for link in made}) == len(made), "each link has its own nonce"
    assert "s3cret" not in repr(links)


def test_email_carries_the_links() -> None:
    links = ActionLinks("https://console.example.org", SecretStr("k"), 1.0).actions(
        sample_alert(1, at=T0), "mail"
    )
    assert "https://console.example.org/act?token=" in email.text_body(sample_alert(1, at=T0), links)
    assert 'href="https://console.example.org/act?token=' in email.html_body(sample_alert(1, at=T0), links)


def _channels(extra: str) -> str:
    return f"version: 1\ndefault: [ops]\nchannels:\n  - name: ops\n    type: console\n{extra}"


def test_never_mute_defaults_to_false_and_is_validated() -> None:
    config = parse_channels(parse_yaml(_channels(""), "c.yaml"))
    assert config.channels[0].never_mute is False
    config = parse_channels(parse_yaml(_channels("    never_mute: true\n"), "c.yaml"))
    assert config.channels[0].never_mute is True
    with pytest.raises(ConfigError) as err:
        parse_channels(parse_yaml(_channels("    never_mute: sometimes\n"), "c.yaml"))
    assert "c.yaml:6" in str(err.value) and "never_mute" in str(err.value)


def test_signing_secret_is_for_bot_mode() -> None:
    block = "  - {name: s, type: slack, webhook_url_env: HOOK, signing_secret_env: SIGN}\n"
    with pytest.raises(ConfigError, match="bot mode"):
        parse_channels(parse_yaml(f"version: 1\ndefault: [s]\nchannels:\n{block}", "c.yaml"))


def test_a_folded_burst_carries_each_alerts_links() -> None:
    links = ActionLinks("https://console.example.org", SecretStr("k"), 1.0)
    alerts = [sample_alert(n, at=T0) for n in range(3)]
    payload = slack.batch_payload(alerts, links=lambda a: links.actions(a, "ops"))
    sections = [b["text"]["text"] for b in payload["blocks"][2:5]]
    assert all(s.count("https://console.example.org/act?token=") == 3 for s in sections)
    assert all(len(s) < slack.SECTION_MAX for s in sections)
    assert "act?token=" not in json.dumps(slack.batch_payload(alerts))


def test_an_email_digest_carries_each_alerts_links() -> None:
    links = ActionLinks("https://console.example.org", SecretStr("k"), 1.0)
    alerts = [sample_alert(n, at=T0) for n in range(3)]
    html = email.digest_html(alerts, lambda a: links.actions(a, "mail"))
    plain = email.digest_text(alerts, lambda a: links.actions(a, "mail"))
    for body in (html, plain):
        stories = {
            parse_qs(urlsplit(u).query)["token"][0]
            for u in body.replace('"', " ").split()
            if u.startswith("https://console.example.org/act?token=")
        }
        claims = {verify_link("k", token, now=T0).story_key for token in stories}
        assert claims == {a.story_key for a in alerts}
    assert "act?token=" not in email.digest_html(alerts) + email.digest_text(alerts)
