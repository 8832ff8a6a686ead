"""deliver honours analysts' actions, against the real broker, Slack stand-ins and real SMTP.

Actions are produced straight onto the actions topic (as the console would), alerts onto
the alerts topic: a snoozed story's updates are held, then pushed once with a summary when
the snooze ends; a silence by region mutes only its stories; an acknowledged story is
pushed once when its severity rises; a SIGKILL between an action and the next alert loses
nothing; every decision is a receipt.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import SecretStr

from alerts.ledger import HELD, Ledger
from alerts.samples import sample_alert
from wirewatch.actions import Action, verify_link
from wirewatch.records import Alert, utcnow
from wirewatch.settings import Settings
from wirewatch.topics import Topics

from .conftest import (
    HttpReceiver,
    SlackApi,
    SmtpReceiver,
    channels_config,
    deliveries,
    delivering,
    eventually,
    produce,
)
from .test_deliver_process import Deliverer, archived, wait_until

SECRET = "link-secret-for-tests"


def act(kind: str, **fields: Any) -> Action:
    base: dict[str, Any] = {
        "action_id": f"{kind}-{fields.get('story_key') or fields.get('silence_id')}",
        "kind": kind,
        "actor": "alice",
        "role": "analyst",
        "source": "console",
        "at": utcnow(),
    }
    return Action(**{**base, **fields})


def produce_actions(settings: Settings, actions: Iterable[Action]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    topic = Topics.from_settings(settings).actions
    for action in actions:
        producer.send(topic, key=action.key.encode(), value=action.to_bytes())
    producer.send(topic, key=b"junk", value=b"not an action")
    producer.flush(15)
    producer.close()


def read_receipts(settings: Settings) -> list[dict[str, Any]]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        Topics.from_settings(settings).receipts,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1500,
    )
    try:
        return [json.loads(m.value) for m in consumer]
    finally:
        consumer.close()


def alert(story: str, revision: int, region: str = "Idlib", **fields: Any) -> Alert:
    n = int(story.rsplit("-", 1)[1])
    made = sample_alert(n, story=story, revision=revision, notify=["ops", "desk", "mail"])
    return made.model_copy(update={"regions": [region], **fields})


async def test_snooze_silence_and_acknowledge_are_honoured_and_receipted(
    kafka_settings: Settings,
    slack_receiver: HttpReceiver,
    slack_api: SlackApi,
    smtp_receiver: SmtpReceiver,
) -> None:
    settings = kafka_settings.model_copy(
        update={"console_url": "https://console.example.org", "action_link_secret": SecretStr(SECRET)}
    )
    config = channels_config(
        f"""\
version: 1
default: [ops]
retry: {{max_attempts: 30, initial: 50ms, max: 200ms}}
channels:
  - {{name: ops, type: slack, webhook_url_env: T_SLACK, min_interval: 100ms, timeout: 5s}}
  - name: desk
    type: slack
    token_env: T_BOT
    channel: "#desk"
    signing_secret_env: T_SIGNING
    api_url: {slack_api.url}
    min_interval: 50ms
  - name: mail
    type: email
    smtp: {{host: 127.0.0.1, port: {smtp_receiver.port}, timeout: 5s}}
    sender: w@example.org
    recipients: [a@example.org]
"""
    )
    env = {"T_SLACK": slack_receiver.url, "T_BOT": SlackApi.TOKEN}
    first = [alert("story-1", 0), alert("story-3", 0)]
    async with delivering(settings, config, env) as metrics:
        produce(settings, first)
        await eventually(lambda: len(smtp_receiver.accepted()) == 2, what="the first two emails")
        snoozed_until = utcnow() + timedelta(seconds=8)
        produce_actions(
            settings,
            [
                act("snooze", story_key="story-1", until=snoozed_until),
                act(
                    "silence",
                    silence_id="s-hama",
                    actor="bob",
                    matchers={"region": "Hama"},
                    starts_at=utcnow() - timedelta(minutes=1),
                    ends_at=utcnow() + timedelta(hours=1),
                    comment="ceasefire talks",
                ),
                act("acknowledge", story_key="story-3", severity="high"),
            ],
        )
        held = [
            alert("story-1", 1, report_count=3, severity="critical"),
            alert("story-1", 2, report_count=5, severity="critical"),
        ]
        muted = [alert("story-2", 0, region="Hama")]
        acked = [
            alert("story-3", 1),
            alert("story-3", 2, severity="critical"),
            alert("story-3", 3, severity="critical"),
        ]
        free = [alert("story-4", 0)]
        everything = first + held + muted + acked + free
        produce(settings, held + muted + acked + free)
        pushed = [first[0].alert_id, first[1].alert_id, acked[1].alert_id, free[0].alert_id]

        def bodies() -> list[str]:
            return [r.body for r in slack_receiver.accepted()]

        await eventually(lambda: len(deliveries(bodies(), everything)) >= 4, what="the pushes")
        assert utcnow() < snoozed_until, "the test ran too slowly to see the snooze hold"
        assert sorted(deliveries(bodies(), everything)) == sorted(pushed)
        assert "severity rose from high to critical since acknowledged by alice" in "".join(bodies())

        # The snooze ends: the latest held update is pushed once, with what happened meanwhile.
        await eventually(
            lambda: held[1].alert_id in deliveries(bodies(), everything), 30, "the release on Slack"
        )
        await eventually(lambda: len(smtp_receiver.accepted()) == 5, 30, "the release by email")
        await asyncio.sleep(2.5)  # two release ticks: nothing more
        assert sorted(deliveries(bodies(), everything)) == sorted([*pushed, held[1].alert_id])
        summary = "while snoozed: 4 reports, severity high → critical"
        assert summary in bodies()[-1]
        assert summary in smtp_receiver.accepted()[-1].body

        def on_desk() -> int:
            return sum(
                summary in json.dumps(m["blocks"], ensure_ascii=False) for m in list(slack_api.messages)
            )

        await eventually(lambda: on_desk() >= 1, 30, "the release on the bot's thread")
        assert on_desk() == 1

        # Bot mode carries buttons; email and webhook carry signed single-use links.
        buttons = [b for m in slack_api.messages for b in m["blocks"] if b["type"] == "actions"]
        assert buttons and {e["action_id"] for e in buttons[0]["elements"]} >= {
            "wirewatch:acknowledge",
            "wirewatch:snooze:60",
            "wirewatch:snooze:1440",
            "wirewatch:not_relevant",
        }
        mail = smtp_receiver.accepted()[0].body
        tokens = re.findall(r"https://console\.example\.org/act\?token=([A-Za-z0-9_.%-]+)", mail)
        assert tokens, mail
        claim = verify_link(SECRET, unquote(tokens[0]))
        assert (claim.story_key, claim.alert_id) in {(a.story_key, a.alert_id) for a in first}
        assert claim.channel == "mail"
        hook_links = re.findall(r"https://console\.example\.org/act\?token=[^|>\"]+", "".join(bodies()))
        assert hook_links and parse_qs(urlsplit(hook_links[0]).query)["token"]
        assert SECRET not in mail and SECRET not in "".join(bodies())

        held_total = metrics.held.labels("ops", "snoozed")._value.get()
        assert held_total == 2
        assert metrics.held.labels("ops", "silenced")._value.get() == 1
        assert metrics.held.labels("ops", "acknowledged")._value.get() == 2
        assert metrics.released.labels("ops")._value.get() == 1
        assert metrics.actions_undecodable._value.get() == 1

    receipts = await asyncio.to_thread(read_receipts, settings)
    ops = {(r["alert_id"], r["outcome"]) for r in receipts if r["channel"] == "ops"}
    assert (held[0].alert_id, "held") in ops and (muted[0].alert_id, "muted") in ops
    assert (held[1].alert_id, "released") in ops and (free[0].alert_id, "sent") in ops
    muted_receipt = next(r for r in receipts if r["alert_id"] == muted[0].alert_id)
    assert (
        muted_receipt["reason"].startswith("muted by bob until ")
        and "ceasefire talks" in muted_receipt["reason"]
    )


def test_sigkill_between_an_action_and_the_next_alert_keeps_the_action(
    kafka_settings: Settings,
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    config = tmp_path / "channels.yaml"
    config.write_text(
        "version: 1\ndefault: [archive]\nchannels:\n  - {name: archive, type: file, path: alerts.jsonl}\n"
    )
    deliverer = Deliverer(kafka_settings, config, {}, tmp_path)
    story = [sample_alert(1, story="story-1", revision=r) for r in range(3)]
    sentinel = [sample_alert(2, story="story-2", revision=r) for r in range(2)]
    first = deliverer.start()
    processes.append(first)
    produce(kafka_settings, [story[0]])
    wait_until(lambda: archived(kafka_settings) == [story[0].alert_id], "the story's first alert", first)
    produce_actions(kafka_settings, [act("snooze", story_key="story-1", until=utcnow() + timedelta(hours=1))])
    produce(kafka_settings, [story[1], sentinel[0]])
    wait_until(lambda: sentinel[0].alert_id in archived(kafka_settings), "the first sentinel", first)
    first.send_signal(signal.SIGKILL)
    first.wait(10)

    produce(kafka_settings, [story[2]])
    second = deliverer.start()
    processes.append(second)
    produce(kafka_settings, [sentinel[1]])
    wait_until(lambda: sentinel[1].alert_id in archived(kafka_settings), "the second sentinel", second)
    time.sleep(1.5)  # a release tick: nothing is released while the snooze lasts
    assert archived(kafka_settings) == [story[0].alert_id, sentinel[0].alert_id, sentinel[1].alert_id]
    ledger = Ledger.open(kafka_settings.data_dir)
    try:
        assert [ledger.status(a.alert_id, "archive") for a in story[1:]] == [HELD, HELD]
    finally:
        ledger.close()
    second.send_signal(signal.SIGTERM)
    assert second.wait(30) == 0
