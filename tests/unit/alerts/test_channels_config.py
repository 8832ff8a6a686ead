"""C: the shipped file loads; mistakes are reported at file:line; secrets stay secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.channels.base import ChannelContext
from alerts.channels.slack import SlackOptions
from alerts.config import build_channels, load_channels, parse_channels
from wirewatch.configfile import parse_yaml
from wirewatch.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]

GOOD = """\
version: 1
default: [console]
channels:
  - name: console
    type: console
  - name: ops
    type: slack
    webhook_url_env: OPS_HOOK
    min_severity: medium
    digest: 15m
  - name: mail
    type: email
    smtp: {host: localhost, port: 1025, security: starttls}
    password_env: SMTP_PW
    sender: w@example.org
    recipients: [a@example.org]
  - name: hook
    type: webhook
    url_env: HOOK_URL
    secret_env: HOOK_KEY
  - name: archive
    type: file
    path: alerts.jsonl
"""


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_channels(parse_yaml(text, "channels.yaml"))


def test_the_shipped_channels_yaml_loads() -> None:
    config = load_channels(REPO / "config" / "channels.yaml")
    names = [c.name for c in config.channels]
    assert {"console", "archive", "slack-ops", "analysts"} <= set(names)
    assert config.default == ("console", "archive")


def test_a_full_file_loads_with_durations() -> None:
    config = parse(GOOD)
    ops = config.get("ops")
    assert ops is not None and ops.digest == 900.0 and ops.min_severity == "medium"
    assert config.retry.max_attempts == 8


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("    type: console\n", "    type: console\n    colour: red\n"),
            "C:6: unknown key 'colour'",
        ),
        (("    type: slack\n", "    type: teams\n"), "C:7: channel type 'teams' is not one of"),
        (("    webhook_url_env: OPS_HOOK\n", ""), "C:6: missing required key 'webhook_url_env'"),
        (("digest: 15m", "digest: soon"), "C:10: digest"),
        (("min_severity: medium", "min_severity: urgent"), "C:9: min_severity"),
        (
            ("default: [console]", "default: [pager]"),
            "C:2: default channel 'pager' is not declared",
        ),
        (
            ("  - name: archive", "  - name: console"),
            "C:21: channel name 'console' is used twice",
        ),
        (("    url_env: HOOK_URL\n", ""), "give exactly one of url or url_env"),
        (
            ("[a@example.org]", "[not-an-address]"),
            "C:16: recipients.0: 'not-an-address' is not valid",
        ),
        (("version: 1", "version: 2"), "C:1: version"),
    ],
)
def test_mistakes_are_reported_at_their_line(change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(ConfigError) as info:
        parse(GOOD.replace(old, new, 1))
    expected = expected.replace("C:", "channels.yaml:")
    assert any(expected in str(issue) for issue in info.value.issues), info.value.issues


def test_channels_with_unset_secrets_are_disabled_naming_the_variable_only() -> None:
    config = parse(GOOD)
    env = {
        "OPS_HOOK": "https://hooks.slack.com/services/T000/B000/SECRET-TOKEN",
        "HOOK_URL": "https://h.example",
    }
    built = build_channels(config, ChannelContext(env, Path("var")))
    assert set(built.enabled) == {"console", "ops", "archive"}
    assert set(built.disabled) == {"mail", "hook"}
    assert "SMTP_PW" in built.disabled["mail"] and "HOOK_KEY" in built.disabled["hook"]
    ops = built.enabled["ops"]
    assert "SECRET-TOKEN" not in repr(ops) and "SECRET-TOKEN" not in repr(vars(ops))
    assert "SECRET-TOKEN" not in (ops.rate_key or "")


def test_file_paths_are_under_the_data_dir() -> None:
    built = build_channels(parse(GOOD), ChannelContext({}, Path("/data")), only=["archive"])
    assert built.enabled["archive"].path == Path("/data/alerts.jsonl")  # type: ignore[attr-defined]


BOT = """\
version: 1
default: [desk]
channels:
  - name: desk
    type: slack
    token_env: DESK_TOKEN
    channel: "#syria-desk"
"""


def test_a_slack_bot_block_loads_and_its_token_stays_secret() -> None:
    config = parse(BOT)
    desk = config.get("desk")
    assert isinstance(desk, SlackOptions)
    assert (desk.token_env, desk.channel, desk.webhook_url_env) == ("DESK_TOKEN", "#syria-desk", None)
    built = build_channels(config, ChannelContext({"DESK_TOKEN": "xoxb-SECRET-TOKEN"}, Path("var")))
    channel = built.enabled["desk"]
    assert "SECRET-TOKEN" not in repr(channel) + repr(vars(channel)) + (channel.rate_key or "")
    disabled = build_channels(config, ChannelContext({}, Path("var"))).disabled["desk"]
    assert "DESK_TOKEN is not set" in disabled


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('    channel: "#syria-desk"\n', '    channel: "#syria-desk"\n    webhook_url_env: HOOK\n'),
            "C:4: give webhook_url_env (incoming webhook) or token_env and channel (bot), not both",
        ),
        (('    channel: "#syria-desk"\n', ""), "C:4: a Slack bot needs both token_env and channel"),
        (("    token_env: DESK_TOKEN\n", ""), "C:4: a Slack bot needs both token_env and channel"),
        (("#syria-desk", "syria desk"), "C:7: channel: 'syria desk' is not valid"),
        (("token_env: DESK_TOKEN", "token_env: desk-token"), "C:6: token_env: 'desk-token' is not valid"),
    ],
)
def test_bot_mode_mistakes_are_reported_at_their_line(change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in BOT
    with pytest.raises(ConfigError) as info:
        parse(BOT.replace(old, new, 1))
    assert len(info.value.issues) == 1, info.value.issues
    assert expected.replace("C:", "channels.yaml:") in str(info.value.issues[0])
