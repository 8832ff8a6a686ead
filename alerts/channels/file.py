"""The file channel: one JSON line per alert appended to a file (``var/alerts.jsonl``).

Each line is the ``wirewatch.records.Alert`` JSON, readable back with
``Alert.from_bytes``. A batch is one ``write`` on an ``O_APPEND`` descriptor
followed by ``fsync``, so a crash leaves whole lines. A relative ``path`` is
under the data directory.
"""

from __future__ import annotations

import asyncio
import os
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

    @classmethod
    def from_config(cls, options: ChannelOptions, context: ChannelContext) -> Self:
        assert isinstance(options, FileOptions)
        path = options.path if options.path.is_absolute() else context.data_dir / options.path
        return cls(options, path)

    async def send(self, alert: Alert) -> Delivery:
        return await self.send_batch([alert])

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        data = b"".join(a.to_bytes() + b"\n" for a in alerts)
        try:
            await asyncio.to_thread(_append, self.path, data)
        except OSError as exc:
            return Delivery.failed(self.name, f"cannot append to {self.path}: {exc.strerror}")
        return Delivery.sent(self.name)
