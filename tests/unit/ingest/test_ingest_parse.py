"""Bytes + headers → NewsItems: formats, text, languages, ids, malformed and hostile XML."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.parse import FeedSource, parse_feed
from ingest.parse.xmlguard import disarm
from wirewatch.errors import ParseError

FETCHED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
BASE = "http://wire.example/feeds/monde.xml"
SRC = FeedSource("wire-fr", "Wire")


def parse(body: bytes, headers: dict[str, str] | None = None, src: FeedSource = SRC):
    return parse_feed(body, headers or {"Content-Type": "application/rss+xml"}, src, BASE, FETCHED)


def rss(items: str, channel_extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>W</title>'
        f"{channel_extra}{items}</channel></rss>"
    ).encode()


def test_relative_links_resolve_against_the_fetched_url() -> None:
    parsed = parse(rss("<item><title>a</title><link>../a/1?utm_source=x</link></item>"))
    assert parsed.items[0].url == "http://wire.example/a/1?utm_source=x"


def test_entries_without_link_guid_or_title_are_skipped_and_counted() -> None:
    parsed = parse(rss("<item><description>orphan</description></item><item><title>t</title></item>"))
    assert parsed.skipped == 1
    assert [i.title for i in parsed.items] == ["t"]


def test_duplicate_entries_in_one_feed_give_one_item() -> None:
    item = "<item><title>t</title><link>http://wire.example/a</link></item>"
    dup = "<item><title>t2</title><link>http://wire.example/a?utm_source=y</link></item>"
    parsed = parse(rss(item + dup))
    assert len(parsed.items) == 1 and parsed.items[0].title == "t"


def test_configured_language_wins_over_declared_which_wins_over_detected() -> None:
    english = (
        "<item><title>The strikes hit the city and the airport</title><link>http://w.example/1</link></item>"
    )
    assert parse(rss(english)).items[0].lang == "en"  # detected
    assert parse(rss(english, "<language>fr-FR</language>")).items[0].lang == "fr"  # declared
    assert parse(rss(english, "<language>de</language>")).items[0].lang is None  # declared, not ours
    configured = FeedSource("wire-fr", "Wire", "fr")
    assert parse(rss(english, "<language>en</language>"), src=configured).items[0].lang == "fr"


def test_http_content_language_counts_as_declared() -> None:
    item = "<item><title>x</title><link>http://w.example/1</link></item>"
    headers = {"Content-Type": "application/rss+xml", "Content-Language": "fr-CA"}
    assert parse(rss(item), headers).items[0].lang == "fr"


def test_charset_comes_from_the_headers_when_the_document_does_not_say() -> None:
    body = (
        "<rss version='2.0'><channel><title>W</title><item><title>Frappes aériennes à Alep</title>"
        "<link>http://w.example/1</link></item></channel></rss>"
    ).encode("iso-8859-1")
    parsed = parse(body, {"Content-Type": "application/rss+xml; charset=ISO-8859-1"})
    assert parsed.items[0].title == "Frappes aériennes à Alep"


def test_atom_summary_falls_back_to_content() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
    <entry><title>t</title><id>tag:a,1</id><link href="http://w.example/1"/>
    <content type="html">&lt;p&gt;the body&lt;/p&gt;</content></entry></feed>"""
    assert parse(body, {"Content-Type": "application/atom+xml"}).items[0].summary == "the body"


def test_something_that_is_not_a_feed_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as err:
        parse(b"<html><body><p>Not found</p></body></html>", {"Content-Type": "text/html"})
    assert err.value.kind == "bad_body"
    with pytest.raises(ParseError):
        parse(b"\x00\x01garbage\xff")


def test_an_empty_but_valid_feed_is_fine() -> None:
    parsed = parse(rss(""))
    assert parsed.items == [] and parsed.error is None


def test_a_malformed_feed_keeps_the_entries_that_parsed() -> None:
    body = rss(
        "<item><title>one & two</title><link>http://w.example/1</link></item>"
        "<item><title>three</title><link>http://w.example/2</link><description>a <b>b</description></item>"
    )
    parsed = parse(body)
    assert parsed.error is not None and "malformed" in parsed.error
    assert [i.title for i in parsed.items] == ["one & two", "three"]


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(entities) + "\n]>\n"
        '<rss version="2.0"><channel><title>&lol9;</title><item><title>t &lol9;</title>'
        "<link>http://w.example/1</link><description>&lol9;</description></item></channel></rss>"
    ).encode()


BILLION_LAUGHS = _billion_laughs()


def test_billion_laughs_neither_expands_nor_blows_up_memory() -> None:
    assert b"&lol8;&lol8;" in BILLION_LAUGHS
    tracemalloc.start()
    try:
        parsed = parse(BILLION_LAUGHS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024  # fully expanded it would be about 3 GB
    assert parsed.error is not None and "DOCTYPE" in parsed.error
    (item,) = parsed.items
    assert "lollol" not in item.title + item.summary


def test_external_entities_read_no_local_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY % pe SYSTEM "{secret.as_uri()}"> %pe;]>'
        '<rss version="2.0"><channel><title>t</title><item><title>a &xxe; b</title>'
        "<link>http://w.example/1</link><description>&xxe;</description></item></channel></rss>"
    ).encode()
    parsed = parse(body)
    assert parsed.error is not None
    assert parsed.items and all("TOP-SECRET" not in i.model_dump_json() for i in parsed.items)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<rss/>", b"<rss/>"),
        (b'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "x.dtd"><rss/>', None),  # no subset
        (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r/>', b'<?xml version="1.0"?><r/>'),
        (b'<!DOCTYPE r [<!ENTITY a "]>">]><r/>', b'">]><r/>'),  # cut early: what is left declares nothing
        (b"<!DOCTYPE a [<!ENTITY x 'y'>]><!DOCTYPE b [<!ENTITY z 'w'>]><r/>", b"<r/>"),
        (b"<r><![CDATA[<!DOCTYPE x [ y ]>]]></r>", None),  # after the root element: text
    ],
)
def test_disarm(body: bytes, expected: bytes | None) -> None:
    out, removed = disarm(body)
    assert out == (body if expected is None else expected)
    assert removed is (expected is not None and expected != body)


def test_hostile_markup_in_summaries_comes_out_as_plain_text() -> None:
    hostile = (
        "<p onclick='steal()'>Les frappes</p><script>document.cookie</script><style>p{x:1}</style>"
        "<iframe src='http://evil.example/'>cadre</iframe><a href='javascript:alert(1)'>reprennent</a>"
        "<img src=x onerror=alert(2)><!-- <b>commentaire</b> -->"
    )
    body = rss(
        f"<item><title><![CDATA[<b>Idleb</b> <script>x()</script>]]></title>"
        f"<link>http://w.example/1</link><description><![CDATA[{hostile}]]></description></item>"
    )
    (item,) = parse(body).items
    assert item.title == "Idleb"
    assert item.summary == "Les frappes cadre reprennent"
