"""Item identity: canonical links, stable ids, content hashes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.identity import canonical_link, content_hash, item_id


@pytest.mark.parametrize(
    ("link", "canonical"),
    [
        ("HTTP://Wire.Example/a/b", "http://wire.example/a/b"),
        ("https://wire.example:443/a", "https://wire.example/a"),
        ("http://wire.example:8080/a", "http://wire.example:8080/a"),
        ("http://wire.example", "http://wire.example/"),
        ("http://wire.example/a?utm_source=rss&utm_medium=x&id=3", "http://wire.example/a?id=3"),
        ("http://wire.example/a?b=2&a=1", "http://wire.example/a?a=1&b=2"),
        ("http://wire.example/a?xtor=RSS-3208&fbclid=zz&gclid=y", "http://wire.example/a"),
        ("http://wire.example/a#section-2", "http://wire.example/a"),
        ("  http://wire.example/a  ", "http://wire.example/a"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("http://wire.example/Case/Path", "http://wire.example/Case/Path"),  # paths keep their case
        ("ftp://wire.example/a", None),
        ("urn:uuid:1234", None),
        ("/relative/link", None),
        ("http://wire.example:notaport/", None),
    ],
)
def test_canonical_link(link: str, canonical: str | None) -> None:
    assert canonical_link(link) == canonical


def test_the_same_story_has_one_id_however_it_is_linked() -> None:
    a = item_id("http://wire.example/story?utm_source=rss#top", "guid-a")
    b = item_id("HTTP://WIRE.example:80/story?utm_campaign=x", "guid-b")
    assert a == b and a is not None and len(a) == 32


def test_guid_then_text_stand_in_when_there_is_no_usable_link() -> None:
    by_guid = item_id(None, "tag:wire.example,2015:1")
    assert by_guid == item_id("mailto:x@y", "tag:wire.example,2015:1")
    assert by_guid != item_id("http://wire.example/1", "tag:wire.example,2015:1")
    assert item_id(None, None, "feed\x1ftitle") == item_id(None, "  ", "feed\x1ftitle")
    assert item_id(None, None, None) is None
    assert item_id("", "", "") is None


def test_content_hash_changes_with_title_or_summary() -> None:
    base = content_hash("t", "s")
    assert base == content_hash("t", "s")
    assert base != content_hash("t", "s2")
    assert base != content_hash("t2", "s")
    assert content_hash("ab", "c") != content_hash("a", "bc")


_links = st.builds(
    lambda host, path, q: f"http://{host}.example/{path}?{q}",
    st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9/_.-]{0,20}", fullmatch=True),
    st.lists(
        st.tuples(st.sampled_from(["utm_source", "id", "page", "xtor", "q"]), st.text("abc123", max_size=4)),
        max_size=4,
    ).map(lambda kv: "&".join(f"{k}={v}" for k, v in kv)),
)


@given(_links)
def test_canonicalisation_is_idempotent_and_drops_tracking(link: str) -> None:
    once = canonical_link(link)
    assert once is not None
    assert canonical_link(once) == once
    assert "utm_" not in once and "xtor" not in once
    assert item_id(link, None) == item_id(once, None)
