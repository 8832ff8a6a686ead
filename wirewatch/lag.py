"""Consumer lag per partition, exported as a Prometheus gauge.

Each consuming service runs one ``LagReporter`` thread: every ``interval``
seconds it compares its group's committed offsets with the log end offsets
(kafka-python admin), so lag is visible even while the consumer is stuck.
"""

from __future__ import annotations

import logging
import threading

from kafka import TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Gauge

from wirewatch.errors import WirewatchError
from wirewatch.settings import Settings
from wirewatch.topics import admin_client

log = logging.getLogger(__name__)


def lag_gauge(registry: CollectorRegistry) -> Gauge:
    """``wirewatch_consumer_lag{group,topic,partition}``: records not yet committed."""
    return Gauge(
        "wirewatch_consumer_lag",
        "Records on the topic not yet committed by the consumer group.",
        ["group", "topic", "partition"],
        registry=registry,
    )


class LagReporter(threading.Thread):
    """Daemon thread updating the lag gauge for ``group`` on ``topics``."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        group: str,
        topics: list[str],
        gauge: Gauge,
        interval_s: float = 10.0,
    ):
        super().__init__(name=f"lag-{group}", daemon=True)
        self.settings, self.bootstrap, self.group = settings, bootstrap, group
        self.topics, self.gauge, self.interval_s = topics, gauge, interval_s
        self.stopped = threading.Event()
        #: the latest measurement (empty until the first one)
        self.last: dict[TopicPartition, int] = {}

    def measure(self) -> dict[TopicPartition, int]:
        """One measurement: lag per partition (end offset − committed offset)."""
        admin = admin_client(self.bootstrap, self.settings)
        try:
            tps = [
                TopicPartition(t["name"], p["partition_index"])
                for t in admin.describe_topics(self.topics)
                for p in t["partitions"]
            ]
            ends = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in tps})
            committed = admin.list_group_offsets({self.group: tps}).get(self.group, {})
        finally:
            admin.close()
        lags = {}
        for tp in tps:
            done = committed.get(tp)
            position = done.offset if done is not None and done.offset >= 0 else 0
            lags[tp] = max(0, ends[tp].offset - position)
        return lags

    def run(self) -> None:
        while not self.stopped.wait(self.interval_s):
            try:
                self.last = self.measure()
                for tp, lag in self.last.items():
                    self.gauge.labels(self.group, tp.topic, str(tp.partition)).set(lag)
            except (KafkaError, WirewatchError, OSError, KeyError) as exc:
                # A broker outage must not kill the reporter: measure again next time.
                log.debug("lag measurement failed: %s", exc)

    def stop(self) -> None:
        self.stopped.set()
