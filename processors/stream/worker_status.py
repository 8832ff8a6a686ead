"""What this worker runs, told to Prometheus and to the status topic.

The watchlist follower calls ``running`` when the worker starts matching with
a version and ``refused`` when it ignores a broken one; ``heartbeat`` (a faust
task) publishes a ``WorkerStatus`` at once after each of them and every
``HEARTBEAT_S`` seconds, so a reader tells live workers from dead ones by the
age of their last status (``wirewatch.watchlist_versions.live_workers``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaProducer
from prometheus_client import Gauge

from wirewatch.records import utcnow
from wirewatch.watchlist_versions import HEARTBEAT_S, WorkerStatus

log = logging.getLogger(__name__)


def worker_id(host: str | None = None, pid: int | None = None) -> str:
    """``host:pid``: unique among the workers running at one time."""
    return f"{host or socket.gethostname()}:{pid or os.getpid()}"


@dataclass
class StatusReporter:
    """The worker's status: the version it runs, since when, and the last one it refused."""

    bootstrap: str
    topic: str
    gauge: Gauge
    client_config: dict[str, object] = field(default_factory=dict)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    interval_s: float = HEARTBEAT_S
    version: str | None = None
    since: datetime | None = None
    rejected: str | None = None
    rejected_reason: str | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def worker(self) -> str:
        return worker_id(self.host, self.pid)

    def running(self, version: str) -> None:
        """The worker now matches with ``version``: one gauge series for it, the old one gone."""
        if self.version is not None:
            with contextlib.suppress(KeyError):
                self.gauge.remove(self.version, self.worker)
        self.gauge.labels(version, self.worker).set(1)
        self.version, self.since = version, utcnow()
        self.rejected = self.rejected_reason = None
        self._changed.set()

    def refused(self, where: str, reason: str) -> None:
        """The worker ignored the watchlist at ``where`` and keeps the version it runs."""
        self.rejected, self.rejected_reason = where, reason[:500]
        self._changed.set()

    def status(self) -> WorkerStatus:
        return WorkerStatus(
            worker=self.worker,
            host=self.host,
            pid=self.pid,
            version=self.version,
            since=self.since,
            at=utcnow(),
            rejected=self.rejected,
            rejected_reason=self.rejected_reason,
        )

    async def heartbeat(self) -> None:
        """Publish the status after each change and every ``interval_s``; for the worker's lifetime.

        A failed send is logged and tried again at the next beat: status is advisory.
        Takes no argument: faust passes the app to a task that takes one.
        """
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks=1, **self.client_config)
        await producer.start()
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), self.interval_s)
                self._changed.clear()
                if self.version is None and self.rejected is None:
                    continue  # nothing to tell before the first watchlist
                try:
                    await producer.send_and_wait(
                        self.topic, key=self.worker.encode(), value=self.status().to_bytes()
                    )
                except Exception as exc:  # any producer failure: retry at the next beat
                    log.warning("could not publish the worker status: %s", exc)
        finally:
            await producer.stop()
