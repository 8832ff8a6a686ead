"""Watchlist versions against the real broker: history, stale parents, rollback, diff, worker status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.stream.conftest import WATCHLIST, Stream, news
from wirewatch.watchlist import parse_watchlist
from wirewatch.watchlist_versions import WorkerStatus, apply_version, find_version, history, live_workers

V1 = WATCHLIST.read_text(encoding="utf-8")
#: Adds a region: Homs.
V2 = V1.replace("  - name: Aleppo\n", "  - name: Homs\n    country: SY\n  - name: Aleppo\n")


def cli(stream: Stream, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WIREWATCH_KAFKA_BOOTSTRAP": stream.settings.kafka_bootstrap or "",
        "WIREWATCH_TOPIC_PREFIX": stream.settings.topic_prefix,
        "COLUMNS": "250",
        "USER": "alice",
    }
    command = [sys.executable, "-m", "wirewatch", "watchlist", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_apply_history_stale_parent_and_rollback(stream: Stream, tmp_path: Path) -> None:
    v2_file = tmp_path / "v2.yaml"
    v2_file.write_text(V2, encoding="utf-8")
    first = apply_version(stream.settings, V1, "bob", "first", None)
    v1 = first.version.version
    done = cli(stream, "apply", str(v2_file), "--comment", "add Homs", "--expect-parent", v1)
    assert done.returncode == 0, done.stderr
    v2 = parse_watchlist(V2).content_hash
    assert v2 in done.stderr and v1 in done.stderr

    listed = [json.loads(line) for line in cli(stream, "history", "--jsonl").stdout.splitlines()]
    assert [(v["version"], v["author"], v["comment"], v["parent"]) for v in listed] == [
        (v2, "alice", "add Homs", v1),
        (v1, "bob", "first", None),
    ]

    stale = cli(stream, "apply", str(v2_file), "--comment", "again", "--expect-parent", v1)
    assert stale.returncode == 1 and v1 in stale.stderr and v2 in stale.stderr
    assert len(stale.stderr.strip().splitlines()) == 1

    missing = cli(stream, "rollback", v1)
    assert missing.returncode == 2 and "--comment" in missing.stderr
    back = cli(stream, "rollback", v1.removeprefix("sha256:")[:8], "--comment", "Homs too noisy")
    assert back.returncode == 0, back.stderr
    versions = history(stream.settings)
    assert [(v.version, v.parent, v.comment) for v in versions] == [
        (v1, v2, "Homs too noisy"),
        (v2, v1, "add Homs"),
        (v1, None, "first"),
    ]
    assert versions[0].text == V1 and find_version(stream.settings, "live").text == V1
    assert cli(stream, "show", v2).stdout == V2


def test_diff_tells_the_alerts_a_change_adds_on_stored_items(stream: Stream, tmp_path: Path) -> None:
    stream.produce(
        [
            news("homs", "Air strike on a market in Homs kills 5", source="AP", lang="en"),
            news("idlib", "Frappe aérienne sur Idleb", lang="fr"),
            news("calm", "Le marché de Hama rouvre", lang="fr"),
        ]
    )
    v2_file = tmp_path / "v2.yaml"
    v2_file.write_text(V2, encoding="utf-8")
    done = cli(stream, "diff", str(WATCHLIST), str(v2_file), "--since", "2h", "--jsonl")
    assert done.returncode == 0, done.stderr
    *changes, summary = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(c["id"], c["change"], c["after"]["regions"]) for c in changes] == [("homs", "added", ["Homs"])]
    assert changes[0]["before"]["alert"] is False and changes[0]["after"]["alert"] is True
    s = summary["summary"]
    assert (s["items"], s["added"], s["removed"], s["changed"], s["complete"]) == (3, 1, 0, 0, True)

    cut = cli(stream, "diff", str(WATCHLIST), str(v2_file), "--since", "2h", "--jsonl", "--max-items", "1")
    assert json.loads(cut.stdout.splitlines()[-1])["summary"]["stopped"] == "max-items"
    assert "stopped early (max-items): read 1 of 3 items" in cut.stderr

    human = cli(stream, "diff", str(WATCHLIST), str(v2_file), "--since", "2h")
    assert "1 added, 0 removed, 0 changed" in human.stdout and "Homs" in human.stdout
    text = cli(stream, "diff", str(WATCHLIST), str(v2_file), "--text")
    assert "+  - name: Homs" in text.stdout


def _wait_for_worker(stream: Stream, version: str, timeout_s: float = 90.0) -> WorkerStatus:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        workers = live_workers(stream.settings)
        if workers and workers[0].version == version:
            return workers[0]
        assert stream.workers[0].proc.poll() is None, stream.workers[0].log.read_text()[-3000:]
        time.sleep(0.5)
    raise AssertionError(f"no worker runs {version}: {workers}\n{stream.workers[0].log.read_text()[-3000:]}")


def test_a_worker_reports_the_version_it_runs_and_its_change(stream: Stream) -> None:
    stream.start_worker()
    v1 = parse_watchlist(V1).content_hash
    status = _wait_for_worker(stream, v1)
    assert status.worker.endswith(f":{status.pid}") and status.rejected is None
    (published,) = history(stream.settings)  # the worker published its file as the first version
    assert (published.version, published.author) == (v1, "wirewatch process")

    started = time.monotonic()
    apply_version(stream.settings, V2, "alice", "add Homs", v1)
    after = _wait_for_worker(stream, parse_watchlist(V2).content_hash)
    assert after.worker == status.worker and time.monotonic() - started < 30
    done = cli(stream, "status")
    assert f"{after.version} live on 1/1 workers" in done.stderr + done.stdout
