"""``wirewatch backtest``: what would this watchlist have fired on?

Replays the items kept on the items topic since a point in time (found with
the broker's timestamp index) through the matching engine and the same
story grouping the live processor uses. Read-only: no consumer group, no
commits, nothing produced.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from processors.matching import Engine
from processors.stream import dedup
from processors.stream.candidates import candidate_for
from processors.stream.grouping import grouping_policy
from processors.stream.stories import StoryStore
from wirewatch.durations import parse_duration
from wirewatch.errors import BrokerError, ConfigError, Issue, RecordError, WirewatchError
from wirewatch.records import Alert, NewsItem
from wirewatch.settings import Settings


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """An ISO-8601 time (UTC unless it says), or a duration back from now: ``24h``, ``7d``, ``2w``.

    ISO first, so a basic-format date such as ``20240101`` stays a date rather
    than a number of seconds. Raises ``ConfigError`` naming ``--since``.
    """
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        span = parse_duration(text, "--since", "or an ISO-8601 time")
        return (now or datetime.now(UTC)) - timedelta(seconds=span)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def within_retention(start: datetime, retention_hours: int, text: str, now: datetime | None = None) -> None:
    """Refuse a ``--since`` the items topic cannot answer: before its retention, or in the future.

    ``retention_hours`` is ``WIREWATCH_ITEMS_RETENTION_HOURS``, the retention the
    items topic is created with. Raises ``ConfigError`` naming ``--since``.
    """
    now = now or datetime.now(UTC)
    kept = timedelta(hours=retention_hours)
    if start < now - kept:
        span = f"{retention_hours // 24}d" if retention_hours % 24 == 0 else f"{retention_hours}h"
        message = (
            f"{text!r} reaches back further than the items topic keeps items "
            f"({span}, WIREWATCH_ITEMS_RETENTION_HOURS={retention_hours}): give at most {span}"
        )
        raise ConfigError([Issue("--since", None, message)])
    if start > now:
        raise ConfigError([Issue("--since", None, f"{text!r} is in the future")])


@dataclass
class BacktestReport:
    """What a backtest read and would have sent."""

    items: int = 0
    undecodable: int = 0
    duplicates: int = 0
    alerts: list[Alert] = field(default_factory=list)

    def stories(self) -> list[Alert]:
        """The latest revision of each story, in the order the stories opened."""
        return list({a.story_key: a for a in self.alerts}.values())

    def summary(self) -> dict[str, Counter[str]]:
        stories = self.stories()
        return {
            "rule": Counter(a.rule for a in stories),
            "severity": Counter(a.severity for a in stories),
            "actor": Counter(x for a in stories for x in a.actors),
            "region": Counter(x for a in stories for x in a.regions),
        }


def stored_values(
    settings: Settings, bootstrap: str, topic: str, since: datetime, progress: Callable[[int, int], None]
) -> Iterator[bytes]:
    """Every value on ``topic`` from ``since`` to the end it had at the start, partitions interleaved.

    Read-only (no group, no commits); ``progress(done, total)`` is called as batches arrive.
    Also read by ``watchlist diff``.
    """
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            group_id=None,
            consumer_timeout_ms=5000,
            **settings.kafka_client_config(),
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic} from {bootstrap}: {exc}") from None
    try:
        parts = consumer.partitions_for_topic(topic)
        if not parts:
            raise WirewatchError(f"topic {topic} does not exist on {bootstrap}")
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        starts = consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in tps})
        ends = consumer.end_offsets(tps)
        todo = {tp: ends[tp] for tp in tps}
        for tp in tps:
            found = starts.get(tp)
            if found is None:
                consumer.seek(tp, ends[tp])
                todo.pop(tp)
            else:
                consumer.seek(tp, found.offset)
        total = sum(ends[tp] - starts[tp].offset for tp in todo if starts.get(tp) is not None)
        done = 0
        progress(done, total)
        while todo:
            batches = consumer.poll(timeout_ms=1000, max_records=2000)
            for tp, records in batches.items():
                for r in records:
                    if tp in todo and r.offset < todo[tp]:
                        done += 1
                        yield r.value
                if tp in todo and consumer.position(tp) >= todo[tp]:
                    todo.pop(tp)
            progress(done, total)
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic} from {bootstrap}: {exc}") from None
    finally:
        consumer.close()


def run_backtest(
    settings: Settings,
    bootstrap: str,
    topic: str,
    engine: Engine,
    since: datetime,
    progress: Callable[[int, int], None] = lambda done, total: None,
    on_alert: Callable[[Alert], None] = lambda alert: None,
) -> BacktestReport:
    """Replay ``topic`` from ``since`` to its end as it was at the start; send nothing."""
    report = BacktestReport()
    seen: dict[str, dict[str, object]] = {}
    stories = StoryStore({}, grouping_policy(settings))
    for n, value in enumerate(stored_values(settings, bootstrap, topic, since, progress)):
        try:
            item = NewsItem.from_bytes(value)
        except RecordError:
            report.undecodable += 1
            continue
        report.items += 1
        admitted, entry = dedup.admit(seen.get(item.id), item, str(n))
        if not admitted:
            report.duplicates += 1
            continue
        if entry is not None:
            seen[item.id] = entry
        decision = engine.evaluate(item.text, item.lang)
        candidate = candidate_for(item, decision, engine.version)
        alert = stories.apply(candidate, n) if candidate is not None else None
        if alert is not None:
            report.alerts.append(alert)
            on_alert(alert)
    return report
