"""Topic names and their configurations, created idempotently at service start."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

from wirewatch.errors import BrokerError
from wirewatch.settings import Settings

log = logging.getLogger(__name__)

HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Topics:
    """The topic names of one deployment (``<prefix>.items.v1`` …)."""

    prefix: str = "wirewatch"

    @property
    def items(self) -> str:
        return f"{self.prefix}.items.v1"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}.alerts.v1"

    @property
    def watchlist(self) -> str:
        return f"{self.prefix}.watchlist.v1"

    @property
    def watchlist_history(self) -> str:
        """Every applied watchlist version, in order (key = version); never compacted."""
        return f"{self.prefix}.watchlist.history.v1"

    @property
    def processor_status(self) -> str:
        """What each processor worker runs (``WorkerStatus``), compacted by worker id."""
        return f"{self.prefix}.processor.status.v1"

    @property
    def actions(self) -> str:
        """Analysts' acknowledgements, snoozes, silences and marks (compacted by target)."""
        return f"{self.prefix}.actions.v1"

    @property
    def actions_dlq(self) -> str:
        """Action records the console could not apply (undecodable, unknown story)."""
        return f"{self.prefix}.actions.dlq.v1"

    @property
    def receipts(self) -> str:
        """What deliver decided per alert and channel: sent, dead, held, muted."""
        return f"{self.prefix}.receipts.v1"

    @property
    def items_dlq(self) -> str:
        """Item records the processor could not decode or handle."""
        return f"{self.prefix}.items.dlq.v1"

    @property
    def deliveries_dlq(self) -> str:
        """Alerts that exhausted their delivery attempts on some channel."""
        return f"{self.prefix}.deliveries.dlq.v1"

    @property
    def processor_group(self) -> str:
        """Consumer group of the processor workers; also faust's app id, which names its changelogs.

        The two groups are spelled differently (``-`` and ``.``) for a reason that outlives
        taste: renaming a group orphans its committed offsets (and, for the processor, its
        changelog topics and so every open story), so the names stay as deployments know them.
        """
        return f"{self.prefix}-processor"

    @property
    def deliver_group(self) -> str:
        """Consumer group of ``wirewatch deliver`` (see ``processor_group`` for the spelling)."""
        return f"{self.prefix}.deliver"

    @property
    def candidates(self) -> str:
        """The processor's internal hand-off of candidates, keyed and routed by rule."""
        return f"{self.prefix}.processor.candidates.v1"

    @property
    def mentions(self) -> str:
        """The processor's internal hand-off of mentions, keyed and routed by entity."""
        return f"{self.prefix}.processor.mentions.v1"

    @classmethod
    def from_settings(cls, settings: Settings) -> Topics:
        return cls(prefix=settings.topic_prefix)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic Wirewatch owns, with partitions and configs from settings."""
    t = Topics.from_settings(settings)
    p = settings.partitions
    retention = str(settings.items_retention_hours * HOUR_MS)
    return [
        # Items are kept for the backtest window; keyed by item id.
        TopicSpec(t.items, p, {"retention.ms": retention, "compression.type": "producer"}),
        TopicSpec(t.alerts, p, {"retention.ms": str(30 * 24 * HOUR_MS)}),
        # The watchlist is a single key compacted forever: the latest value is the current list.
        TopicSpec(
            t.watchlist,
            1,
            {"cleanup.policy": "compact", "min.compaction.lag.ms": "0", "retention.ms": "-1"},
        ),
        # Its history: each applied version once, kept forever (the compacted topic keeps one).
        TopicSpec(t.watchlist_history, 1, {"retention.ms": "-1"}),
        # Worker heartbeats: the latest per worker; superseded and dead workers' records go soon.
        TopicSpec(
            t.processor_status,
            1,
            {
                "cleanup.policy": "compact,delete",
                "retention.ms": str(24 * HOUR_MS),
                "segment.ms": str(HOUR_MS),
                "min.compaction.lag.ms": "0",
                "delete.retention.ms": str(HOUR_MS),
            },
        ),
        # Actions: compacted by target, so the state that holds survives forever; superseded
        # records are kept 30 days first, so a rebuilt console still shows a month of audit log.
        TopicSpec(
            t.actions,
            1,
            {
                "cleanup.policy": "compact",
                "min.compaction.lag.ms": str(30 * 24 * HOUR_MS),
                "retention.ms": "-1",
            },
        ),
        TopicSpec(t.actions_dlq, 1, {"retention.ms": str(30 * 24 * HOUR_MS)}),
        TopicSpec(t.receipts, p, {"retention.ms": str(30 * 24 * HOUR_MS)}),
        TopicSpec(t.items_dlq, 1, {"retention.ms": str(30 * 24 * HOUR_MS)}),
        TopicSpec(t.deliveries_dlq, 1, {"retention.ms": "-1"}),
    ]


def admin_client(bootstrap: str, settings: Settings, timeout_s: float = 10.0) -> KafkaAdminClient:
    """A kafka-python admin client; raises ``BrokerError`` if the broker does not answer."""
    try:
        return KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="wirewatch-admin",
            request_timeout_ms=int(timeout_s * 1000),
            **settings.kafka_client_config(),
        )
    except KafkaError as exc:
        raise BrokerError(f"Kafka at {bootstrap} does not answer: {exc}") from None


def ensure_topics(bootstrap: str, settings: Settings, timeout_s: float = 30.0) -> list[str]:
    """Create the topics that do not exist yet; return the names created.

    Safe to call from every service at start: existing topics are left as they are.
    """
    specs = topic_specs(settings)
    deadline = time.monotonic() + timeout_s
    admin = admin_client(bootstrap, settings)
    try:
        existing = set(admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        created = []
        for spec in missing:
            request = {
                spec.name: {
                    "num_partitions": spec.partitions,
                    "replication_factor": settings.replication_factor,
                    "configs": spec.configs,
                }
            }
            try:
                admin.create_topics(request, timeout_ms=int(max(1.0, deadline - time.monotonic()) * 1000))
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass  # another service won the race
        if created:
            admin.wait_for_topics(created, timeout_ms=int(max(1.0, deadline - time.monotonic()) * 1000))
            log.info("created topics %s", ", ".join(created))
        return created
    except KafkaError as exc:
        raise BrokerError(f"cannot create topics on {bootstrap}: {exc}") from None
    finally:
        admin.close()
