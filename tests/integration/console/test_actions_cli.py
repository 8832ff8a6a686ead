"""The actions' commands as users run them: ``feedback export --jsonl`` against the real broker
(read back by ``try --jsonl``), and Slack ids given to console accounts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from kafka import KafkaProducer

from console.accounts import Accounts
from tests.unit.console.console_samples import make_alert
from wirewatch.actions import Action, new_action_id
from wirewatch.settings import Settings
from wirewatch.topics import Topics

REPO = Path(__file__).resolve().parents[3]


def run(settings: Settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "WIREWATCH_KAFKA_BOOTSTRAP": settings.kafka_bootstrap or "",
        "WIREWATCH_TOPIC_PREFIX": settings.topic_prefix,
        "WIREWATCH_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "wirewatch", *args],
        input=stdin,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def mark(reason: str, actor: str = "ana") -> Action:
    alert = make_alert("st-1", 0)
    return Action(
        action_id=new_action_id(),
        kind="not_relevant",
        actor=actor,
        role="analyst",
        source="console",
        at=datetime.now(UTC),
        story_key="st-1",
        alert_id=alert.alert_id,
        reason=reason,
        rules=["default"],
        evidence=alert.evidence,
        items=alert.items,
    )


def test_feedback_export_prints_one_case_per_mark_and_try_reads_it(kafka_settings: Settings) -> None:
    topic = Topics(kafka_settings.topic_prefix).actions
    ack = Action(
        action_id=new_action_id(),
        kind="acknowledge",
        actor="ana",
        role="analyst",
        source="api",
        at=datetime.now(UTC),
        story_key="st-1",
    )
    producer = KafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap, acks="all")
    for action in (mark("first thought"), ack, mark("a film title"), mark("old news", actor="bob")):
        producer.send(topic, key=action.key.encode(), value=action.to_bytes()).get(15)
    producer.send(topic, key=b"junk", value=b"{not an action").get(15)
    producer.close()

    done = run(kafka_settings, "feedback", "export", "--jsonl")
    assert done.returncode == 0, done.stderr
    cases = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(c["actor"], c["reason"]) for c in cases] == [("ana", "a film title"), ("bob", "old news")]
    assert all(c["label"] == "not_relevant" and c["id"] == "it-st-1-0" and c["lang"] == "fr" for c in cases)
    assert {e["alias"] for e in cases[0]["evidence"]} == {"Idleb", "frappe aérienne"}

    tried = run(kafka_settings, "try", "--jsonl", stdin=done.stdout)
    assert tried.returncode == 0, tried.stderr
    assert [json.loads(line)["id"] for line in tried.stdout.splitlines()] == ["it-st-1-0", "it-st-1-0"]


def test_users_get_slack_ids_from_the_cli(kafka_settings: Settings) -> None:
    added = run(
        kafka_settings,
        "console",
        "user",
        "add",
        "ana",
        "--role",
        "analyst",
        "--password-stdin",
        "--slack-id",
        "U0ANA",
        stdin="correct horse battery\n",
    )
    assert added.returncode == 0, added.stderr
    run(
        kafka_settings,
        "console",
        "user",
        "add",
        "bob",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    linked = run(kafka_settings, "console", "user", "link", "bob", "--slack-id", "U0BOB")
    assert linked.returncode == 0, linked.stderr
    taken = run(kafka_settings, "console", "user", "link", "bob", "--slack-id", "U0ANA")
    assert taken.returncode == 2 and "linked to another user" in taken.stderr
    bad = run(kafka_settings, "console", "user", "link", "bob", "--slack-id", "not-an-id")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    accounts = Accounts(kafka_settings.data_dir / "console" / "accounts.db")
    assert [u.name for u in (accounts.slack_user("U0ANA"), accounts.slack_user("U0BOB")) if u] == [
        "ana",
        "bob",
    ]
