"""The fault suite's harness: the three services as processes, the receivers, the checks.

``Pipeline`` runs ``python -m wirewatch deliver|process|ingest`` — one process
each, as docker-compose runs them — against one broker, with this test's topic
prefix, data dir, metrics ports and configuration files. A test SIGKILLs and
restarts them at will. After a fault, ``settle`` waits until every released
story reached every channel, and ``assert_exactly_once`` checks, per channel
(archive file, Slack stand-in, real SMTP): the delivered alert ids are the
distinct ids on the alerts topic, none twice, and every story is there.
Anything not met in time fails with the tail of every service's log.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.faults_support import WATCHLIST, NewsDesk, Story, feeds_yaml
from tests.integration.alerts.conftest import HttpReceiver, SmtpReceiver
from wirewatch.broker import free_port
from wirewatch.records import Alert

#: Log lines of the Kafka client libraries (they log every reconnection attempt while a broker is away).
_CLIENT_NOISE = re.compile(r" (aiokafka|kafka)[.:]")
#: Start order (downstream first, so nothing waits on a missing consumer); stops go in reverse.
SERVICES = ("deliver", "process", "ingest")
CHANNELS = ("archive", "slack-ops", "analysts")
#: Long enough for a restarted worker to join the group and catch up, on a busy 2-core machine.
SETTLE_S = 150.0

# Retries outlast a two-minute outage (the shipped default, 8 attempts from 1 s, gives up after
# 1–2 minutes): the suite checks that nothing is lost, not the dead-letter path.
CHANNELS_YAML = """\
version: 1
default: [archive, slack-ops, analysts]
retry: {{max_attempts: 1000, initial: 0.5s, max: 4s}}
channels:
  - {{name: archive, type: file, path: alerts.jsonl}}
  - name: slack-ops
    type: slack
    webhook_url_env: WIREWATCH_SLACK_OPS_WEBHOOK
    min_interval: 0.2s
    timeout: 5s
  - name: analysts
    type: email
    smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, timeout: 5s}}
    sender: wirewatch@example.org
    recipients: [analysts@example.org]
"""


@dataclass(frozen=True)
class Scrape:
    """One scrape of a service's /metrics."""

    samples: tuple[tuple[str, dict[str, str], float], ...]

    def value(self, name: str, **labels: str) -> float:
        """Sum of the samples called ``name`` whose labels include ``labels`` (0 if none)."""
        return sum(
            v for n, ls, v in self.samples if n == name and all(ls.get(k) == x for k, x in labels.items())
        )

    def labels(self, name: str, label: str) -> set[str]:
        """Every value ``label`` takes on samples called ``name``."""
        return {ls[label] for n, ls, _ in self.samples if n == name and label in ls}


@dataclass
class Service:
    """One service command; every run's output goes to its own log file."""

    name: str
    env: dict[str, str]
    logs: Path
    port: int
    runs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    killed: bool = False

    @property
    def proc(self) -> subprocess.Popen[bytes]:
        return self.runs[-1]

    def log_path(self, run: int) -> Path:
        return self.logs / f"{self.name}-{run}.log"

    def start(self) -> None:
        with open(self.log_path(len(self.runs) + 1), "wb") as out:
            self.runs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "wirewatch", self.name],
                    env=self.env,
                    cwd=self.logs,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )
        self.killed = False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final commit or flush."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.killed = True

    def stop(self, timeout_s: float = 60.0) -> int | None:
        """SIGTERM and wait; the exit code (None if it had to be killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            return None

    def died(self) -> bool:
        """True if the current run exited on its own."""
        return bool(self.runs) and not self.killed and self.proc.poll() is not None

    def metrics(self) -> Scrape:
        url = f"http://127.0.0.1:{self.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as answer:
            text = answer.read().decode()
        return Scrape(
            tuple(
                (s.name, dict(s.labels), float(s.value))
                for family in text_string_to_metric_families(text)
                for s in family.samples
            )
        )

    def tail(self, lines: int = 25) -> str:
        """The last ``lines`` of each run's log, without the Kafka clients' reconnection noise."""
        parts = []
        for run, proc in enumerate(self.runs, 1):
            text = self.log_path(run).read_text(errors="replace").splitlines()
            kept = [line for line in text if not _CLIENT_NOISE.search(line)]
            noise = f", {len(text) - len(kept)} Kafka client lines left out" if len(kept) < len(text) else ""
            head = f"----- {self.name} run {run} (exit {proc.poll()}{noise}) -----"
            parts.append("\n".join([head, *kept[-lines:]]))
        return "\n".join(parts)


class TopicReader:
    """Every record of one topic from the beginning, read incrementally (kafka-python)."""

    def __init__(self, bootstrap: str, topic: str):
        self.bootstrap, self.topic = bootstrap, topic
        self.values: list[bytes] = []
        self._consumer: Any = None

    def read(self) -> list[bytes]:
        from kafka import KafkaConsumer, TopicPartition

        if self._consumer is None:
            consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
            parts = consumer.partitions_for_topic(self.topic)
            if not parts:
                consumer.close()
                return self.values
            tps = [TopicPartition(self.topic, p) for p in parts]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            self._consumer = consumer
        while batches := self._consumer.poll(timeout_ms=300):
            self.values += [r.value for records in batches.values() for r in records]
        return self.values

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()


def story_url(alert: Alert) -> str:
    url = alert.items[0].url if alert.items else None
    assert url, f"alert {alert.alert_id} cites no item URL"
    return url


def ids_in(bodies: Iterable[str], alerts: list[Alert]) -> Counter[str]:
    """How many messages carried each alert (by its id or its story's URL; folded messages list several)."""
    distinct = {a.alert_id: story_url(a) for a in alerts}  # the topic may hold replayed copies
    found: Counter[str] = Counter()
    for body in bodies:
        found.update(i for i, url in distinct.items() if i in body or url in body)
    return found


class Pipeline:
    """ingest, process and deliver for one test, on its own topics, data dir and ports."""

    def __init__(
        self,
        bootstrap: str,
        prefix: str,
        tmp: Path,
        feeds_yaml: str,
        slack: HttpReceiver,
        smtp: SmtpReceiver,
        env: dict[str, str] | None = None,
    ):
        config = tmp / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "watchlist.yaml").write_text(WATCHLIST)
        (config / "feeds.yaml").write_text(feeds_yaml)
        (config / "channels.yaml").write_text(CHANNELS_YAML.format(smtp_port=smtp.port))
        self.tmp, self.data = tmp, tmp / "var"
        self.slack, self.smtp = slack, smtp
        base = {
            **os.environ,
            "WIREWATCH_KAFKA_BOOTSTRAP": bootstrap,
            "WIREWATCH_TOPIC_PREFIX": prefix,
            "WIREWATCH_PARTITIONS": "2",
            "WIREWATCH_DATA_DIR": str(self.data),
            "WIREWATCH_WATCHLIST": str(config / "watchlist.yaml"),
            "WIREWATCH_FEEDS": str(config / "feeds.yaml"),
            "WIREWATCH_CHANNELS": str(config / "channels.yaml"),
            "WIREWATCH_SLACK_OPS_WEBHOOK": slack.url,
            "WIREWATCH_PROCESSOR_SESSION_TIMEOUT_S": "6",  # a SIGKILLed worker's partitions free up fast
            "WIREWATCH_SURGE_MIN_COUNT": "100000",  # escalation stories only: the expected set is exact
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.services: dict[str, Service] = {}
        for name in SERVICES:
            port = free_port()
            service_env = {**base, f"WIREWATCH_{name.upper()}_METRICS_PORT": str(port)}
            self.services[name] = Service(name, service_env, tmp, port)
        self.topic = TopicReader(bootstrap, f"{prefix}.alerts.v1")

    def __getitem__(self, name: str) -> Service:
        return self.services[name]

    def start(self) -> None:
        """Start every service, downstream first, and wait until each serves its metrics."""
        for name in SERVICES:
            self.restart(name)

    def restart(self, name: str) -> None:
        """Start (again) one service and wait until it serves its metrics."""
        service = self.services[name]
        service.start()
        self.until(lambda: _answers(service), f"{name} serving /metrics", 60)

    def stop(self) -> dict[str, int | None]:
        """SIGTERM every service, upstream first; their exit codes."""
        return {name: self.services[name].stop() for name in reversed(SERVICES)}

    def close(self) -> None:
        for service in self.services.values():
            if service.runs and service.proc.poll() is None:
                service.proc.kill()
                service.proc.wait(10)
        self.topic.close()

    def logs(self) -> str:
        """The tail of every service's logs; the receivers' records go to a file beside them."""
        dump = self.tmp / "received.jsonl"
        with open(dump, "w") as out:
            for name, receiver in (("slack", self.slack), ("smtp", self.smtp)):
                for r in list(receiver.received):
                    out.write(json.dumps({"to": name, "at": r.at, "status": r.status, "body": r.body}) + "\n")
        tails = "\n".join(s.tail() for s in self.services.values() if s.runs)
        return f"{tails}\n(requests the receivers got: {dump})"

    def until(self, check: Callable[[], bool], what: str, timeout_s: float = SETTLE_S) -> None:
        """Wait for ``check()``; fail with the logs if it does not hold in time or a service dies."""
        deadline = time.monotonic() + timeout_s
        while not check():
            dead = [s.name for s in self.services.values() if s.died()]
            if dead:
                pytest.fail(f"{', '.join(dead)} exited while waiting for {what}:\n{self.logs()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not within {timeout_s:.0f} s\n{self.logs()}")
            time.sleep(0.5)

    def alerts(self) -> list[Alert]:
        """Every alert on the alerts topic so far (replayed copies included)."""
        return [Alert.from_bytes(v) for v in self.topic.read()]

    def archived(self) -> list[str]:
        path = self.data / "alerts.jsonl"
        if not path.exists():
            return []
        return [json.loads(line)["alert_id"] for line in path.read_text().splitlines() if line.strip()]

    def delivered(self, alerts: list[Alert]) -> dict[str, Counter[str]]:
        """Per channel: how many times each alert reached it (only what the receiver accepted)."""
        return {
            "archive": Counter(self.archived()),
            "slack-ops": ids_in((r.body for r in self.slack.accepted()), alerts),
            "analysts": ids_in((r.body for r in self.smtp.accepted()), alerts),
        }

    def on_topic(self, stories: Iterable[Story]) -> Callable[[], bool]:
        """A check: some alert on the topic cites one of ``stories``."""
        urls = {s.url for s in stories}
        return lambda: any(story_url(a) in urls for a in self.alerts())

    def settle(self, stories: list[Story], timeout_s: float = SETTLE_S) -> None:
        """Wait until every story has its alert on the topic and every alert reached every channel."""
        urls = {s.url for s in stories}

        def done() -> bool:
            alerts = self.alerts()
            if not urls <= {story_url(a) for a in alerts}:
                return False
            ids = {a.alert_id for a in alerts}
            return all(ids <= set(got) for got in self.delivered(alerts).values())

        self.until(done, f"all {len(urls)} stories delivered on every channel", timeout_s)
        time.sleep(3)  # a late duplicate would land now, before the check

    def assert_exactly_once(self, stories: list[Story]) -> list[Alert]:
        """Each story alerted once; per channel, delivered ids == topic ids, none twice."""
        alerts = self.alerts()
        ids = {a.alert_id for a in alerts}
        merged = [a.alert_id for a in alerts if a.revision != 0 or len(a.items) != 1]
        assert not merged, f"stories merged (the suite's stories must stay apart): {merged}"
        by_url: dict[str, set[str]] = {}
        for a in alerts:
            by_url.setdefault(story_url(a), set()).add(a.alert_id)
        urls = {s.url for s in stories}
        assert set(by_url) == urls, f"stories missing {urls - set(by_url)}, unexpected {set(by_url) - urls}"
        assert all(len(v) == 1 for v in by_url.values()), f"a story alerted under two ids: {by_url}"
        for channel, got in self.delivered(alerts).items():
            twice = sorted(i for i, n in got.items() if n > 1)
            assert not twice, f"{channel}: delivered more than once: {twice}\n{self.logs()}"
            missing, extra = sorted(ids - set(got)), sorted(set(got) - ids)
            assert not missing and not extra, f"{channel}: missing {missing}, extra {extra}\n{self.logs()}"
        return alerts


def _answers(service: Service) -> bool:
    try:
        service.metrics()
    except OSError:
        return False
    return True


@dataclass
class Rig:
    """What every fault test starts from: its news desk, receivers and name; builds its pipeline."""

    unique: str
    tmp: Path
    desk: NewsDesk
    slack: HttpReceiver
    smtp: SmtpReceiver
    pipelines: list[Pipeline] = field(default_factory=list)

    def pipeline(self, bootstrap: str, feeds: str | None = None) -> Pipeline:
        """A pipeline on ``bootstrap`` polling the desk's feeds (or the ``feeds`` list given)."""
        good = {feed: self.desk.url(feed) for feed in self.desk.feeds}
        pipeline = Pipeline(
            bootstrap, self.unique, self.tmp, feeds or feeds_yaml(good, {}), self.slack, self.smtp
        )
        self.pipelines.append(pipeline)
        return pipeline

    def flowing(self, bootstrap: str, first: int = 4) -> tuple[Pipeline, list[Story]]:
        """A started pipeline that has delivered ``first`` stories already (returned too)."""
        pipeline = self.pipeline(bootstrap)
        pipeline.start()
        stories = self.desk.release(first)
        pipeline.settle(stories)
        return pipeline, stories


@pytest.fixture
def rig(unique: str, tmp_path: Path) -> Iterator[Rig]:
    """The test's rig; at teardown its pipelines are killed and its servers closed."""
    built = Rig(unique, tmp_path, NewsDesk(), HttpReceiver(), SmtpReceiver())
    try:
        yield built
    finally:
        for pipeline in built.pipelines:
            pipeline.close()
        built.desk.close()
        built.slack.close()
        built.smtp.close()
