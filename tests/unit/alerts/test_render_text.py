"""Cleaning of untrusted text shared by every rendering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.render import text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),
        ("a\u202eb\u2066c", "abc"),
        ("zero\u200bwidth", "zerowidth"),
        ("two\nlines\r\n", "two lines"),
        ("  spaced   out  ", "spaced out"),
        (None, ""),
    ],
)
def test_clean(raw: str | None, expected: str) -> None:
    assert text.clean(raw) == expected


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_clean_is_one_capped_line_without_controls(raw: str, limit: int) -> None:
    out = text.clean(raw, limit)
    assert len(out) <= limit
    assert "\n" not in out and "\x1b" not in out
    assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in out)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.reuters.com/a", "www.reuters.com"),
        ("http://xn--80ak6aa92e.com/", "xn--80ak6aa92e.com"),
        ("https://аррӏе.com/", "xn--80ak6aa92e.com"),
        ("javascript:alert(1)", ""),
        ("https://exa mple.org", ""),
    ],
)
def test_url_host_shows_where_a_link_really_goes(url: str, host: str) -> None:
    assert text.url_host(url) == host
