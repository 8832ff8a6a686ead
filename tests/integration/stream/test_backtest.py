"""``wirewatch backtest`` against the real broker: stored items replayed, grouping explained, nothing sent."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.integration.stream.conftest import WATCHLIST, Stream, news
from wirewatch.records import Alert


def backtest(stream: Stream, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WIREWATCH_KAFKA_BOOTSTRAP": stream.settings.kafka_bootstrap or "",
        "WIREWATCH_TOPIC_PREFIX": stream.settings.topic_prefix,
        "COLUMNS": "250",
    }
    command = [sys.executable, "-m", "wirewatch", "backtest", "--watchlist", str(WATCHLIST), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_a_backtest_tells_stored_items_as_the_stream_would_and_says_why(stream: Stream) -> None:
    stream.produce(
        [
            news("afp", "Frappes aériennes sur un marché de Saraqeb, province d'Idleb : 12 morts", lang="fr"),
            news("ap", "Air strikes on a market in Saraqib, Idlib province, kill 17", source="AP", lang="en"),
            news("reuters", "Air strike hits a hospital in Ariha, Idlib", source="Reuters", lang="en"),
            news("calm", "Le marché de Hama rouvre", lang="fr"),
        ]
    )
    done = backtest(stream, "--since", "2h", "--jsonl")
    assert done.returncode == 0, done.stderr
    alerts = [Alert.model_validate_json(line) for line in done.stdout.splitlines()]
    # The partitions are read as they come, so either report of the market strike may open its story.
    market = [a for a in alerts if {i.id for i in a.items} & {"afp", "ap"}]
    hospital = [a for a in alerts if {i.id for i in a.items} == {"reuters"}]
    assert len({a.story_key for a in market}) == 1 and [a.revision for a in market] == [0, 1]
    assert {i.id for i in market[-1].items} == {"afp", "ap"} and market[-1].report_count == 2
    assert (market[-1].grouping or "").startswith("same event: places ")
    assert len(hospital) == 1 and hospital[0].story_key != market[0].story_key
    assert len(alerts) == 3 and "4 items since" in done.stderr and "-> 2 stories, 3 alerts" in done.stderr

    table = backtest(stream, "--since", "2h")
    assert table.returncode == 0, table.stderr
    assert "latest 2 stories" in table.stdout and "another place (Ariha" in table.stdout
    # Nothing was sent: the alerts topic is as empty as before.
    assert stream.read(stream.topics.alerts, lambda records: False, timeout_s=3, required=False) == []
