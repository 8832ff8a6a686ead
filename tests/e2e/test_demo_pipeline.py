"""The whole pipeline as a user runs it: `wirewatch up --demo` against the real broker.

Feeds (the demo feed server) → ingest → Kafka → processor → deliver → a Slack
stand-in, a real SMTP server (aiosmtpd) and the JSON-lines archive.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.integration.alerts.conftest import HttpReceiver, SmtpReceiver
from wirewatch.records import Alert

CHANNELS = """
version: 1
default: [archive]
retry: {{max_attempts: 5, initial: 0.2s, max: 2s}}
channels:
  - name: archive
    type: file
    path: alerts.jsonl
  - name: slack-ops
    type: slack
    webhook_url_env: WIREWATCH_SLACK_OPS_WEBHOOK
    min_interval: 0.2s
  - name: analysts
    type: email
    smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none}}
    sender: wirewatch@example.org
    recipients: [analysts@example.org]
"""


#: the demo's French sample article, the acceptance case (wirewatch/demo/stories.py)
SAMPLE_TITLE = "Syrie : les frappes aériennes russes s'intensifient"


@pytest.fixture
def slack() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


def read_archive(path: Path) -> list[Alert]:
    if not path.exists():
        return []
    return [Alert.model_validate(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def test_the_demo_pipeline_end_to_end(
    kafka_bootstrap: str, unique: str, tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver
) -> None:
    channels = tmp_path / "channels.yaml"
    channels.write_text(CHANNELS.format(smtp_port=smtp.port))
    data = tmp_path / "var"
    env = {
        **os.environ,
        "WIREWATCH_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "WIREWATCH_TOPIC_PREFIX": unique,
        "WIREWATCH_DATA_DIR": str(data),
        "WIREWATCH_CHANNELS": str(channels),
        "WIREWATCH_WATCHLIST": str(REPO / "config" / "watchlist.yaml"),
        "WIREWATCH_SLACK_OPS_WEBHOOK": slack.url,
        "WIREWATCH_DEMO_SPEED": "6",
        "WIREWATCH_INGEST_METRICS_PORT": "0",
        "WIREWATCH_PROCESS_METRICS_PORT": "0",
        "WIREWATCH_DELIVER_METRICS_PORT": "0",
        "WIREWATCH_CONSOLE_METRICS_PORT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "up.log"
    with open(log, "wb") as out:
        up = subprocess.Popen(
            [sys.executable, "-m", "wirewatch", "up", "--demo"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    archive = data / "alerts.jsonl"
    try:
        deadline = time.monotonic() + 120
        headline: list[Alert] = []
        while time.monotonic() < deadline and up.poll() is None:
            alerts = read_archive(archive)
            headline = [a for a in alerts if "Idlib" in a.regions and a.source_count >= 2]
            chemical = [a for a in alerts if a.severity == "critical"]
            aleppo = [a for a in alerts if any("eastern Aleppo" in i.title for i in a.items)]
            if headline and chemical and aleppo and smtp.accepted():
                break
            time.sleep(1)
        assert headline, f"no two-source Idlib story within 120 s:\n{log.read_text()[-4000:]}"
    finally:
        up.send_signal(signal.SIGINT)
        code = up.wait(90)
    assert code == 0, log.read_text()[-3000:]

    alerts = read_archive(archive)
    # The shared sample article: actors, regions and escalations of the acceptance case. It
    # and the English report are published at the same moment, so either may open the story:
    # take the story's first revision that cites the article.
    first = min(
        (
            a
            for a in alerts
            if a.story_key == headline[0].story_key and any(i.title.startswith(SAMPLE_TITLE) for i in a.items)
        ),
        key=lambda a: a.revision,
    )
    assert {"Russia", "al-Nusra Front", "Islamic State", "al-Qaeda", "Bashar al-Assad"} <= set(first.actors)
    assert {"Hama", "Idlib", "Aleppo", "Deir ez-Zor"} <= set(first.regions)
    assert {"air strike", "airspace violation"} <= set(first.escalations)
    # The French and the English report are one story with two sources.
    update = headline[0]
    assert {i.lang for i in update.items} == {"fr", "en"} and update.revision >= 1
    # The Aleppo shelling is an event of its own, told in its own alert, though its outlet
    # already reported the headline story, which names Aleppo and shelling too.
    (aleppo,) = [a for a in alerts if any("eastern Aleppo" in i.title for i in a.items)]
    assert aleppo.revision == 0 and aleppo.story_key != first.story_key and aleppo.regions == ["Aleppo"]
    # Near misses did not alert.
    titles = " ".join(i.title for a in alerts for i in a.items)
    assert "Hamadi" not in titles and "pétrole" not in titles
    # Each alert reached the archive once.
    ids = [a.alert_id for a in alerts]
    assert len(ids) == len(set(ids))
    # Slack and email got the alerts their rules route to them, rendered.
    assert any("Idlib" in r.body for r in slack.accepted())
    assert any("Idlib" in r.body for r in smtp.accepted())
    assert "secret-token" not in log.read_text()  # the webhook URL is a secret
    # The console came up with the pipeline, and the demo printed its address and a login once.
    logins = re.findall(r"^console: http://127\.0\.0\.1:\d+  login: demo / \S+$", log.read_text(), re.M)
    assert len(logins) == 1, log.read_text()[-3000:]
