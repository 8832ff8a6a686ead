"""``wirewatch deliver`` as a real process: SIGKILL mid-batch, restart, SIGTERM, ``dlq replay``.

The process runs exactly as docker-compose runs it (``python -m wirewatch
deliver``) against the session broker and local receivers; the receivers
hang on purpose so the kill lands while deliveries are in flight.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from alerts.samples import sample_alert
from wirewatch.broker import free_port
from wirewatch.records import Alert
from wirewatch.settings import Settings

from .conftest import HANG, HttpReceiver, SmtpReceiver, deliveries, produce

REPO = Path(__file__).resolve().parents[3]
ALL = ["archive", "ops", "hook", "mail"]


def write_config(path: Path, smtp: SmtpReceiver) -> Path:
    path.write_text(
        f"""\
version: 1
default: [archive]
retry: {{max_attempts: 30, initial: 50ms, max: 200ms}}
channels:
  - {{name: archive, type: file, path: alerts.jsonl}}
  - {{name: ops, type: slack, webhook_url_env: T_SLACK, min_interval: 100ms, timeout: 60s}}
  - {{name: hook, type: webhook, url_env: T_HOOK, secret_env: T_KEY, timeout: 60s}}
  - name: mail
    type: email
    smtp: {{host: 127.0.0.1, port: {smtp.port}, timeout: 60s}}
    sender: w@example.org
    recipients: [a@example.org]
"""
    )
    return path


class Deliverer:
    """Starts and stops ``python -m wirewatch deliver`` processes for one test."""

    def __init__(self, settings: Settings, config: Path, env: dict[str, str], logs: Path):
        self.metrics_port = free_port()
        self.env = {
            **os.environ,
            "WIREWATCH_KAFKA_BOOTSTRAP": str(settings.kafka_bootstrap),
            "WIREWATCH_TOPIC_PREFIX": settings.topic_prefix,
            "WIREWATCH_PARTITIONS": str(settings.partitions),
            "WIREWATCH_DATA_DIR": str(settings.data_dir),
            "WIREWATCH_DELIVER_METRICS_PORT": str(self.metrics_port),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.config = config
        self.logs = logs
        self.runs = 0

    def start(self) -> subprocess.Popen[bytes]:
        self.runs += 1
        log = (self.logs / f"deliver-{self.runs}.log").open("wb")
        return subprocess.Popen(
            [sys.executable, "-m", "wirewatch", "deliver", "--channels", str(self.config)],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    def log(self, run: int) -> str:
        return (self.logs / f"deliver-{run}.log").read_text(errors="replace")

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as r:
            return str(r.read().decode())


def wait_until(
    check: Callable[[], bool], what: str, proc: subprocess.Popen[bytes], timeout_s: float = 60
) -> None:
    """Poll ``check``; fail if it never holds (a hang guard) or if the process died meanwhile."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert proc.poll() is None, f"deliver exited with {proc.returncode} while waiting for {what}"
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def archived(settings: Settings) -> list[str]:
    path = settings.data_dir / "alerts.jsonl"
    return [json.loads(line)["alert_id"] for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.faults
def test_sigkill_mid_batch_then_restart_loses_nothing_and_duplicates_nothing(
    kafka_settings: Settings,
    slack_receiver: HttpReceiver,
    http_receiver: HttpReceiver,
    smtp_receiver: SmtpReceiver,
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    env = {"T_SLACK": slack_receiver.url, "T_HOOK": http_receiver.url, "T_KEY": "k"}
    deliverer = Deliverer(
        kafka_settings, write_config(tmp_path / "channels.yaml", smtp_receiver), env, tmp_path
    )
    alerts: list[Alert] = [
        sample_alert(s, story=f"story-{s}", revision=r, notify=ALL) for r in range(4) for s in range(5)
    ]
    # Each receiver takes a few, then stops answering: the kill lands mid-batch on every channel.
    slack_receiver.answer(200, HANG)  # the first wave, then a folded burst that hangs
    http_receiver.answer(200, 200, 200, 200, 200, HANG)
    smtp_receiver.answer(200, 200, 200, HANG)
    first = deliverer.start()
    processes.append(first)
    receivers = (slack_receiver, http_receiver, smtp_receiver)
    produce(kafka_settings, alerts[:5])  # one revision of each story…
    wait_until(lambda: len(slack_receiver.accepted()) == 1, "the first Slack message", first)
    produce(kafka_settings, alerts[5:])  # …then the updates, while deliveries are under way
    wait_until(lambda: all(r.hung() == 1 for r in receivers), "a hung request on every channel", first)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    for receiver in receivers:
        receiver.answer(then=200)  # the hung requests were never answered: not delivered

    second = deliverer.start()
    processes.append(second)

    def on(receiver: HttpReceiver | SmtpReceiver) -> list[str]:
        return deliveries([r.body for r in receiver.accepted()], alerts)

    wait_until(
        lambda: (
            all(len(set(on(r))) == len(alerts) for r in receivers)
            and len(set(archived(kafka_settings))) == len(alerts)
        ),
        "every alert on every channel after the restart",
        second,
    )
    text = deliverer.metrics()
    assert 'wirewatch_delivery_deliveries_total{channel="hook",outcome="sent"}' in text
    assert 'wirewatch_alert_publication_to_delivered_seconds_count{channel="mail"}' in text
    second.send_signal(signal.SIGTERM)
    assert second.wait(40) == 0, deliverer.log(2)
    assert "delivery stopped" in deliverer.log(2)

    expected = sorted(a.alert_id for a in alerts)
    for name, got in [
        ("slack", on(slack_receiver)),
        ("webhook", on(http_receiver)),
        ("email", on(smtp_receiver)),
    ]:
        assert sorted(got) == expected, f"{name}: missing or duplicated"
        for s in range(5):
            story = [i for i in got if i.startswith(f"story-{s}:")]
            assert story == [f"story-{s}:r{r}" for r in range(4)], f"{name}: order of story-{s}"
    assert sorted(archived(kafka_settings)) == expected


@pytest.mark.faults
def test_sigterm_stops_cleanly_and_the_replay_command_sends_dead_letters(
    kafka_settings: Settings,
    slack_receiver: HttpReceiver,
    http_receiver: HttpReceiver,
    smtp_receiver: SmtpReceiver,
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    env = {"T_SLACK": slack_receiver.url, "T_HOOK": http_receiver.url, "T_KEY": "k"}
    config = write_config(tmp_path / "channels.yaml", smtp_receiver)
    deliverer = Deliverer(kafka_settings, config, env, tmp_path)
    http_receiver.answer(then=404)  # the receiver refuses: dead-lettered at once
    refused = sample_alert(3, notify=["hook"])
    produce(kafka_settings, [refused])
    proc = deliverer.start()
    processes.append(proc)
    wait_until(lambda: "dead-lettered 1 alert(s) for hook" in deliverer.log(1), "the dead letter", proc)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(40) == 0, deliverer.log(1)

    http_receiver.answer(then=200)
    replay = subprocess.run(
        [sys.executable, "-m", "wirewatch", "dlq", "replay", "--channel", "hook", "--channels", str(config)],
        cwd=REPO,
        env=deliverer.env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert replay.returncode == 0, replay.stderr.decode()
    lines = [json.loads(line) for line in replay.stdout.decode().splitlines()]
    assert lines == [{"alert_id": refused.alert_id, "channel": "hook", "outcome": "sent", "reason": ""}]
    assert deliveries([r.body for r in http_receiver.accepted()], [refused]) == [refused.alert_id]
