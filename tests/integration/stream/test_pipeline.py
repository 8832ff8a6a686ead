"""Real faust workers against the real broker: items in, alerts out."""

from __future__ import annotations

from pathlib import Path

from tests.integration.stream.conftest import DATA, Stream, news
from wirewatch.records import Alert


def by_story(alerts: list[Alert]) -> dict[str, list[Alert]]:
    stories: dict[str, list[Alert]] = {}
    for a in alerts:
        stories.setdefault(a.story_key, []).append(a)
    return stories


def test_one_story_across_languages_then_a_severity_rise(stream: Stream) -> None:
    stream.start_worker()
    stream.produce(
        [
            news("afp-1", "Frappes aériennes russes sur Idleb", source="AFP", lang="fr"),
            news("calm-1", "Le marché de Hama rouvre", source="AFP", lang="fr"),
            news("reuters-1", "Russian air strikes pound Idlib", source="Reuters", lang="en"),
        ]
    )
    alerts = stream.alerts(lambda a: any(x.source_count == 2 for x in a))
    stories = by_story(alerts)
    assert len(stories) == 1, stories
    (story,) = stories.values()
    assert [a.revision for a in story] == [0, 1]
    assert story[-1].source_count == 2
    assert {i.id for i in story[-1].items} == {"afp-1", "reuters-1"}
    assert story[0].regions == ["Idlib"] and "Russia" in story[0].actors
    assert story[0].watchlist_version.startswith("sha256:")

    stream.produce([news("afp-2", "Attaque chimique et frappes aériennes sur Idleb", source="AFP")])
    alerts = stream.alerts(lambda a: any(x.severity == "critical" for x in a))
    update = next(a for a in alerts if a.severity == "critical")
    assert update.story_key == story[0].story_key and update.revision == 2
    assert "severity high → critical" in (update.update_reason or "")


def test_a_poison_record_is_dead_lettered_and_the_stream_goes_on(stream: Stream) -> None:
    stream.start_worker()
    stream.produce([news("ok-1", "Frappes aériennes sur Hama")], raw=[b"{not json", b'{"id": 3}'])
    dead = stream.read(stream.topics.items_dlq, lambda rs: len(rs) >= 2)
    for record in dead:
        headers = dict(record.headers)
        assert headers["wirewatch-stage"] == b"items"
        assert headers["wirewatch-source"].startswith(stream.topics.items.encode())
        assert headers["wirewatch-error"]
    alerts = stream.alerts(lambda a: len(a) >= 1)
    assert alerts[0].regions == ["Hama"]


def test_a_republished_item_alerts_once(stream: Stream) -> None:
    stream.start_worker()
    item = news("dup-1", "Frappes aériennes sur Alep")
    stream.produce([item, item, item])
    stream.produce([news("later", "Bombardement à Hama")])
    alerts = stream.alerts(lambda a: any(x.regions == ["Hama"] for x in a))
    assert [a.regions for a in alerts].count(["Aleppo"]) == 1


def test_a_burst_raises_a_surge_and_a_steady_flow_does_not(stream: Stream) -> None:
    stream.env_extra = {"WIREWATCH_SURGE_MIN_COUNT": "3", "WIREWATCH_SURGE_FACTOR": "2"}
    stream.start_worker()
    # A steady flow about Hama: one shelling report every 20 minutes for six hours.
    steady = [news(f"steady-{i}", "Bombardement à Hama", minutes_ago=360 - 20 * i) for i in range(18)]
    # A burst about Aleppo: eight reports within a few minutes, after a quiet morning.
    quiet = [news(f"quiet-{i}", "Bombardement à Alep", minutes_ago=300 - 90 * i) for i in range(3)]
    burst = [
        news(f"burst-{i}", "Bombardement à Alep", source=f"S{i}", minutes_ago=5 - i * 0.5) for i in range(8)
    ]
    stream.produce(steady + quiet + burst)
    alerts = stream.alerts(lambda a: any(x.kind == "surge" for x in a) and len(a) >= 3)
    surges = [a for a in alerts if a.kind == "surge"]
    assert {tuple(a.regions) for a in surges} == {("Aleppo",)}, surges
    assert surges[0].rule == "surge" and surges[0].source_count >= 3  # WIREWATCH_SURGE_MIN_COUNT


def test_watchlist_edits_apply_live_and_broken_ones_are_ignored(stream: Stream, tmp_path: Path) -> None:
    import asyncio

    from processors.stream.live_watchlist import publish_watchlist

    stream.start_worker()
    stream.produce(
        [news("homs-1", "Frappes aériennes sur Homs"), news("hama-1", "Frappes aériennes sur Hama")]
    )
    first = stream.alerts(lambda a: len(a) >= 1)
    assert [a.regions for a in first] == [["Hama"]]  # Homs is not watched yet
    old_version = first[0].watchlist_version

    text = (DATA / "watchlist.yaml").read_text().replace("regions:\n", "regions:\n  - name: Homs\n", 1)
    bootstrap = stream.settings.kafka_bootstrap or ""
    asyncio.run(publish_watchlist(bootstrap, stream.topics.watchlist, text.encode()))
    asyncio.run(publish_watchlist(bootstrap, stream.topics.watchlist, b"version: 1\nactors: [{name: ''}]\n"))
    # The worker switches without restart: poll until a Homs report alerts.
    homs: list = []
    for n in range(12):
        stream.produce([news(f"homs-{n + 2}", f"Frappes aériennes sur Homs ({n})", source=f"S{n}")])
        got = stream.alerts(lambda a: any(x.regions == ["Homs"] for x in a), timeout_s=5, required=False)
        homs = [a for a in got if a.regions == ["Homs"]]
        if homs:
            break
    assert homs, "the new watchlist was never applied"
    assert homs[0].watchlist_version != old_version
    assert all(w.proc.poll() is None for w in stream.workers)
