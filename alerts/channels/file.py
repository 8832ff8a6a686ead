"""The file channel: one JSON line per alert appended to a file (``var/alerts.jsonl``).

Each line is the ``wirewatch.records.Alert`` JSON, readable back with
``Alert.from_bytes``. A batch is one ``write`` on an ``O_APPEND`` descriptor
followed by ``fsync``, so a crash leaves whole lines. A relative ``path`` is
under the data directory.

A kill between the append and the delivery ledger's write would make the
restarted service append the same alert again; so, being local, the channel
remembers the alert ids at the end of its file (read once, at the first send)
and skips those it already holds: exactly once, even at that instant.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Self

from pydantic import Field

from alerts.channels.base import Channel, ChannelContext, ChannelOptions, Delivery
from wirewatch.records import Alert


class FileOptions(ChannelOptions):
    """``type: file`` block: ``path`` of the JSON-lines file."""

    type: Literal["file"]
    path: Path = Field(description="relative paths are under the data directory")


#: How many of the file's last alert ids are remembered against re-sends after a crash.
REMEMBER = 10_000
_TAIL_BYTES = 16 * 1024 * 1024


def _tail_ids(path: Path) -> list[str]:
    """Alert ids of the last lines of ``path`` (oldest first); [] when it does not exist."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - _TAIL_BYTES))
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    ids = []
    for line in lines[-REMEMBER:]:
        try:
            ids.append(str(json.loads(line)["alert_id"]))
        except (ValueError, KeyError, TypeError):
            continue  # a partial first line of the tail, or a foreign line
    return ids


def _append(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


class FileChannel(Channel):
    """Appends alerts as JSON lines."""

    type = "file"
    Options = FileOptions
    max_batch = 1000

    def __init__(self, options: ChannelOptions, path: Path):
        super().__init__(options)
        self.path = path
        self._written: deque[str] | None = None
        self._known: set[str] = set()

    def _remember(self, alert_id: str) -> None:
        assert self._written is not None
        if len(self._written) == REMEMBER:
            self._known.discard(self._written.popleft())
        self._written.append(alert_id)
        self._known.add(alert_id)

    @classmethod
    def from_config(cls, options: ChannelOptions, context: ChannelContext) -> Self:
        assert isinstance(options, FileOptions)
        path = options.path if options.path.is_absolute() else context.data_dir / options.path
        return cls(options, path)

    async def send(self, alert: Alert) -> Delivery:
        return await self.send_batch([alert])

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        try:
            if self._written is None:
                self._written = deque()
                for alert_id in await asyncio.to_thread(_tail_ids, self.path):
                    self._remember(alert_id)
            fresh = [a for a in alerts if a.alert_id not in self._known]
            if fresh:
                data = b"".join(a.to_bytes() + b"\n" for a in fresh)
                await asyncio.to_thread(_append, self.path, data)
        except OSError as exc:
            return Delivery.failed(self.name, f"cannot append to {self.path}: {exc.strerror}")
        for alert in fresh:
            self._remember(alert.alert_id)
        return Delivery.sent(self.name)
