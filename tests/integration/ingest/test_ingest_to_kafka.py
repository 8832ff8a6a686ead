"""Saved feeds, served over real HTTP, land on the real items topic once, and only once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from wirewatch.errors import BrokerError
from wirewatch.records import NewsItem
from wirewatch.settings import Settings


async def test_every_fixture_item_lands_once_with_clean_fields(ingest_rig, fixture_feeds) -> None:
    urls = ingest_rig.serve_fixtures()
    registry = CollectorRegistry()
    started = datetime.now(UTC)
    assert await ingest_rig.once(urls, registry) == 0

    got = ingest_rig.items()
    by_feed: dict[str, list[NewsItem]] = {}
    for key, item, headers in got:
        assert key == item.id.encode()
        assert headers["content-type"] == b"application/json" and headers["wirewatch-revision"] == b"0"
        by_feed.setdefault(item.feed, []).append(item)
    assert {f: len(v) for f, v in by_feed.items()} == {
        n.removesuffix(".xml"): c for n, c in fixture_feeds.items()
    }
    assert len({item.id for _, item, _ in got}) == len(got)

    items = {item.title: item for _, item, _ in got}
    for item in items.values():
        assert item.url and item.url.startswith("http")
        assert (
            "<" not in item.title + item.summary and "&nbsp;" not in item.summary and "  " not in item.summary
        )
        assert item.published_at.tzinfo is not None

    # RSS 2.0, French: relative link resolved, typographic apostrophes and guillemets kept, HTML gone.
    strikes = items["Syrie : les frappes aériennes russes « plus intenses que d’habitude »"]
    assert strikes.url == ingest_rig.server.url(
        "/monde/2015/10/08/frappes-russes-hama-idleb?utm_source=rss&utm_medium=feed#xtor=RSS-3208"
    )
    assert strikes.summary.startswith(
        "Dans la nuit du mercredi et tôt le matin, les frappes aériennes russes"
    )
    assert "« plus intenses que d’habitude »" in strikes.summary and "alert(" not in strikes.summary
    assert strikes.lang == "fr" and strikes.source == "RSS2-FR"
    assert strikes.published_at == datetime(2015, 10, 8, 7, 12, tzinfo=UTC)
    # Escaped HTML in a description, CDATA in a title, no date.
    konachenkov = items["Konachenkov : « l'attaque des 12 cibles de Daech »"]
    assert "le général Igor Konachenkov, l’attaque des 12 cibles" in konachenkov.summary
    assert konachenkov.published_at >= started - timedelta(seconds=5)  # fetch time stands in
    turkey = items["La Turquie dénonce une violation de son espace aérien"]
    assert turkey.summary.startswith("Le précédent du double « incident »")  # from content:encoded
    # Atom 1.0, English, xml:lang, xhtml content.
    atom = items["Russian air strikes hit Hama and Idlib"]
    assert atom.lang == "en" and atom.published_at == datetime(2015, 10, 8, 7, 15, tzinfo=UTC)
    assert items["Turkey says its airspace was violated again"].summary.startswith(
        "Turkey said a Russian jet"
    )
    # RSS 1.0 / RDF with dc:date and dc:language.
    rdf = items["Coordination américano-russe envisagée en Syrie"]
    assert rdf.lang == "fr" and rdf.published_at == datetime(2015, 10, 8, 5, 45, tzinfo=UTC)
    # ISO-8859-1 (charset only in the XML declaration) and UTF-8 with a BOM.
    assert "Forces terrestres du régime : avancée à Hama" in items
    assert items["Crispation entre la Russie et l'Otan"].lang == "fr"  # detected
    assert items["Observatory: raids “more intense than usual”"].lang == "en"
    assert "a café in its text" in items["No date on this one"].summary

    assert (
        registry.get_sample_value("wirewatch_feed_fetches_total", {"feed": "rss2-fr", "outcome": "ok"}) == 1
    )
    assert registry.get_sample_value("wirewatch_ingest_items_total", {"feed": "atom-en", "lang": "en"}) == 3
    assert registry.get_sample_value("wirewatch_feed_last_success_timestamp_seconds", {"feed": "rdf-fr"}) > 0
    assert registry.get_sample_value("wirewatch_feed_fetch_duration_seconds_count", {}) == len(fixture_feeds)


async def test_second_poll_is_304_and_a_restart_republishes_nothing(ingest_rig, fixture_feeds) -> None:
    urls = ingest_rig.serve_fixtures()
    assert await ingest_rig.once(urls) == 0
    first = len(ingest_rig.items())
    assert first == sum(fixture_feeds.values())

    # A second process with the same data dir: validators were kept, every feed answers 304.
    registry = CollectorRegistry()
    assert await ingest_rig.once(urls, registry) == 0
    for name in fixture_feeds:
        second = ingest_rig.server.hits(f"/feeds/{name}")[-1]
        assert second.get("if-none-match") and second.get("if-modified-since")
        labels = {"feed": name.removesuffix(".xml"), "outcome": "not_modified"}
        assert registry.get_sample_value("wirewatch_feed_fetches_total", labels) == 1
    assert len(ingest_rig.items()) == first

    # Every body gets a new ETag but keeps its items (a server that ignores validators):
    # full bodies are fetched again and the persisted seen-set holds.
    for route in ingest_rig.server.routes.values():
        route.body += b"\n"
    assert await ingest_rig.once(urls) == 0
    assert len(ingest_rig.items()) == first


async def test_once_exits_1_when_a_feed_fails_and_still_publishes_the_others(
    ingest_rig, fixture_feeds
) -> None:
    urls = {"good": ingest_rig.server.add_file("atom-en.xml"), "gone": ingest_rig.server.url("/missing.xml")}
    assert await ingest_rig.once(urls) == 1
    assert len(ingest_rig.items()) == fixture_feeds["atom-en.xml"]


async def test_no_bootstrap_is_a_clear_error(ingest_rig, tmp_path) -> None:
    ingest_rig.settings = Settings(kafka_bootstrap=None, data_dir=tmp_path)
    with pytest.raises(BrokerError, match="WIREWATCH_KAFKA_BOOTSTRAP"):
        await ingest_rig.once({"a": "http://127.0.0.1:9/feed"})
