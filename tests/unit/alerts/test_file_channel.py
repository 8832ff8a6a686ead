"""The file channel writes each alert once, even when re-sent after a crash."""

from __future__ import annotations

import json
from pathlib import Path

from alerts.channels.base import ChannelContext
from alerts.channels.file import FileChannel, FileOptions
from alerts.samples import sample_alert


def channel(path: Path) -> FileChannel:
    options = FileOptions(name="archive", type="file", path=path)
    return FileChannel.from_config(options, ChannelContext(env={}, data_dir=path.parent))


async def test_a_restarted_channel_does_not_append_what_the_file_holds(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    first, second = sample_alert(0, story="s", revision=0), sample_alert(1, story="s", revision=1)
    assert (await channel(path).send(first)).ok
    # A kill between the append and the ledger write: the new process sends it again.
    again = channel(path)
    assert (await again.send_batch([first, second])).ok
    assert (await again.send(second)).ok
    ids = [json.loads(line)["alert_id"] for line in path.read_text().splitlines()]
    assert ids == [first.alert_id, second.alert_id]
