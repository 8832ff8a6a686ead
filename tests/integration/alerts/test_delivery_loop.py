"""The delivery loop against the real broker and real receivers.

Exactly once per (alert, channel) through outages and restarts, order per
story, dead letters with their reason and their replay, Slack pacing and
folding, digests that survive a restart, disabled channels and bad records.
"""

from __future__ import annotations

import itertools
import json

import pytest

from alerts.ledger import Ledger
from alerts.replay import replay
from alerts.samples import sample_alert
from wirewatch.records import Alert
from wirewatch.settings import Settings

from .conftest import (
    HttpReceiver,
    SmtpReceiver,
    channels_config,
    dead_letters,
    deliveries,
    delivering,
    eventually,
    produce,
    sample,
)

FAST_RETRY = "retry: {max_attempts: 30, initial: 50ms, max: 200ms}\n"


def config_text(slack: HttpReceiver, hook: HttpReceiver, smtp: SmtpReceiver, retry: str = FAST_RETRY) -> str:
    return f"""\
version: 1
default: [archive]
{retry}channels:
  - {{name: archive, type: file, path: alerts.jsonl}}
  - {{name: ops, type: slack, webhook_url_env: T_SLACK, min_interval: 200ms, timeout: 2s}}
  - {{name: hook, type: webhook, url_env: T_HOOK, secret_env: T_KEY, timeout: 2s}}
  - name: mail
    type: email
    smtp: {{host: 127.0.0.1, port: {smtp.port}, timeout: 2s}}
    sender: w@example.org
    recipients: [a@example.org]
"""


def env_for(slack: HttpReceiver, hook: HttpReceiver) -> dict[str, str]:
    return {"T_SLACK": slack.url, "T_HOOK": hook.url, "T_KEY": "k"}


ALL = ["archive", "ops", "hook", "mail"]


def stories(n_stories: int, revisions: int, notify: list[str]) -> list[Alert]:
    """Revisions of several stories, interleaved as a processor would emit them."""
    return [
        sample_alert(s, story=f"story-{s}", revision=r, notify=notify)
        for r in range(revisions)
        for s in range(n_stories)
    ]


def archived(settings: Settings) -> list[str]:
    path = settings.data_dir / "alerts.jsonl"
    return [json.loads(line)["alert_id"] for line in path.read_text().splitlines()] if path.exists() else []


def assert_once_in_story_order(delivered: list[str], alerts: list[Alert]) -> None:
    assert sorted(delivered) == sorted(a.alert_id for a in alerts), "missing or duplicated alerts"
    for story in {a.story_key for a in alerts}:
        revisions = [i for i in delivered if i.startswith(f"{story}:")]
        assert revisions == sorted(revisions, key=lambda i: int(i.rsplit(":r", 1)[1])), revisions


async def test_outage_then_recovery_delivers_every_alert_once_in_story_order(
    kafka_settings: Settings,
    slack_receiver: HttpReceiver,
    http_receiver: HttpReceiver,
    smtp_receiver: SmtpReceiver,
) -> None:
    config = channels_config(config_text(slack_receiver, http_receiver, smtp_receiver))
    env = env_for(slack_receiver, http_receiver)
    alerts = stories(4, 3, ALL)
    slack_receiver.answer(500, 500, 500, 500, 500)  # Slack is down for a while
    http_receiver.answer(503, 502, retry_after="0")
    smtp_receiver.answer(451, 451)
    produce(kafka_settings, alerts)

    def all_there() -> bool:
        return (
            len(set(deliveries([r.body for r in slack_receiver.accepted()], alerts))) == len(alerts)
            and len(http_receiver.accepted()) >= len(alerts)
            and len(smtp_receiver.accepted()) >= len(alerts)
            and len(archived(kafka_settings)) >= len(alerts)
        )

    async with delivering(kafka_settings, config, env) as metrics:
        await eventually(all_there, what="every alert on every channel")
        assert sample(metrics, "wirewatch_delivery_deliveries_total", channel="hook", outcome="sent") == 12

    assert_once_in_story_order(deliveries([r.body for r in slack_receiver.accepted()], alerts), alerts)
    assert_once_in_story_order(deliveries([r.body for r in http_receiver.accepted()], alerts), alerts)
    assert_once_in_story_order(deliveries([r.body for r in smtp_receiver.accepted()], alerts), alerts)
    assert_once_in_story_order(archived(kafka_settings), alerts)
    assert len(slack_receiver.accepted()) < len(alerts)  # the backlog was folded

    # A restart reads nothing twice: offsets were committed and the ledger remembers.
    sentinel = sample_alert(99, notify=ALL)
    produce(kafka_settings, [sentinel])
    async with delivering(kafka_settings, config, env):
        await eventually(lambda: sentinel.alert_id in archived(kafka_settings), what="the sentinel")
        await eventually(lambda: len(smtp_receiver.accepted()) == len(alerts) + 1, what="sentinel mail")
    assert_once_in_story_order(archived(kafka_settings), [*alerts, sentinel])
    assert len(http_receiver.accepted()) == len(alerts) + 1


async def test_persistent_failure_is_dead_lettered_then_replayed_once(
    kafka_settings: Settings,
    slack_receiver: HttpReceiver,
    http_receiver: HttpReceiver,
    smtp_receiver: SmtpReceiver,
) -> None:
    retry = "retry: {max_attempts: 3, initial: 20ms, max: 50ms}\n"
    config = channels_config(config_text(slack_receiver, http_receiver, smtp_receiver, retry))
    env = env_for(slack_receiver, http_receiver)
    http_receiver.answer(then=500)
    smtp_receiver.answer(550)  # refused for good: dead-lettered at the first attempt
    failing, refused = sample_alert(1, notify=["hook"]), sample_alert(2, notify=["mail"])
    produce(kafka_settings, [failing, refused])
    async with delivering(kafka_settings, config, env) as metrics:
        letters = await dead_letters(kafka_settings, 2)
        await eventually(lambda: sample(metrics, "wirewatch_delivery_dlq_size", channel="mail") == 1)
    by_channel = {letter["channel"]: letter for letter in letters}
    assert by_channel["hook"]["alert"]["alert_id"] == failing.alert_id
    assert by_channel["hook"]["reason"].startswith("HTTP 500")
    assert "after 3 attempts" in by_channel["hook"]["reason"] and by_channel["hook"]["attempts"] == 3
    assert "550" in by_channel["mail"]["reason"] and by_channel["mail"]["attempts"] == 1
    assert len(http_receiver.received) == 3 and http_receiver.accepted() == []

    http_receiver.answer(then=200)
    outcomes = await replay(kafka_settings, config, "hook", env=env)
    assert [(o.alert_id, o.channel, o.outcome) for o in outcomes] == [(failing.alert_id, "hook", "sent")]
    assert deliveries([r.body for r in http_receiver.accepted()], [failing]) == [failing.alert_id]
    again = await replay(kafka_settings, config, "hook", env=env)
    assert [o.outcome for o in again] == ["skipped"] and len(http_receiver.accepted()) == 1
    ledger = Ledger.open(kafka_settings.data_dir)
    assert ledger.dead_counts() == {"mail": 1}
    ledger.close()


async def test_slack_honours_retry_after_and_folds_a_burst_at_one_message_per_interval(
    kafka_settings: Settings,
    slack_receiver: HttpReceiver,
    http_receiver: HttpReceiver,
    smtp_receiver: SmtpReceiver,
) -> None:
    text = config_text(slack_receiver, http_receiver, smtp_receiver).replace("min_interval: 200ms, ", "")
    config = channels_config(text)  # the default pace: one message per second
    slack_receiver.answer(429, retry_after="2")
    alerts = [sample_alert(n, notify=["ops"]) for n in range(15)]
    produce(kafka_settings, alerts)
    async with delivering(kafka_settings, config, env_for(slack_receiver, http_receiver)):
        await eventually(
            lambda: len(deliveries([r.body for r in slack_receiver.accepted()], alerts)) >= 15,
            what="the burst on Slack",
        )
    posts = slack_receiver.received
    assert posts[0].status == 429
    assert posts[1].at - posts[0].at >= 1.9  # Retry-After: 2 was honoured
    assert all(b.at - a.at >= 0.95 for a, b in itertools.pairwise(posts))
    assert len(posts) <= 4  # 15 alerts folded into a few messages, none dropped
    assert sorted(deliveries([r.body for r in slack_receiver.accepted()], alerts)) == sorted(
        a.alert_id for a in alerts
    )


async def test_digest_is_kept_across_a_restart_and_sent_once(
    kafka_settings: Settings,
    slack_receiver: HttpReceiver,
    http_receiver: HttpReceiver,
    smtp_receiver: SmtpReceiver,
) -> None:
    base = config_text(slack_receiver, http_receiver, smtp_receiver)
    hourly = channels_config(base + "    digest: 1h\n")
    env = env_for(slack_receiver, http_receiver)
    alerts = [sample_alert(n, notify=["mail"]) for n in range(3)]
    produce(kafka_settings, alerts)
    async with delivering(kafka_settings, hourly, env) as metrics:
        await eventually(
            lambda: (
                sample(metrics, "wirewatch_delivery_deliveries_total", channel="mail", outcome="digested")
                == 3
            ),
            what="three alerts queued for the digest",
        )
    assert smtp_receiver.received == []  # nothing is due within the hour

    # Restart with a short interval: the persisted queue is sent as one digest, once.
    quick = channels_config(base + "    digest: 1s\n")
    async with delivering(kafka_settings, quick, env):
        await eventually(lambda: len(smtp_receiver.accepted()) >= 1, what="the digest email")
    async with delivering(kafka_settings, quick, env):
        later = sample_alert(7, notify=["mail"])
        produce(kafka_settings, [later])
        await eventually(lambda: len(smtp_receiver.accepted()) >= 2, what="the next digest")
    bodies = [r.body for r in smtp_receiver.accepted()]
    assert len(bodies) == 2 and "(Wirewatch digest)" in bodies[0]
    assert deliveries(bodies, [*alerts, later]) == [a.alert_id for a in [*alerts, later]]


async def test_a_disabled_channel_falls_back_to_the_default_set_and_bad_records_are_dead_lettered(
    kafka_settings: Settings,
    slack_receiver: HttpReceiver,
    http_receiver: HttpReceiver,
    smtp_receiver: SmtpReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = channels_config(config_text(slack_receiver, http_receiver, smtp_receiver))
    env = {"T_HOOK": http_receiver.url, "T_KEY": "k"}  # T_SLACK is not set
    only_slack = sample_alert(1, notify=["ops"])
    produce(kafka_settings, [b"{not json", only_slack])
    async with delivering(kafka_settings, config, env) as metrics:
        await eventually(lambda: only_slack.alert_id in archived(kafka_settings), what="fallback delivery")
        assert sample(metrics, "wirewatch_delivery_channel_enabled", channel="ops") == 0
        assert sample(metrics, "wirewatch_delivery_deliveries_total", channel="ops", outcome="rerouted") == 1
        assert sample(metrics, "wirewatch_delivery_records_total", result="undecodable") == 1
    assert slack_receiver.received == []
    [letter] = await dead_letters(kafka_settings, 1)
    assert letter["alert"] is None and letter["raw"] == "{not json" and letter["offset"] == 0
    assert "T_SLACK is not set" in caplog.text
