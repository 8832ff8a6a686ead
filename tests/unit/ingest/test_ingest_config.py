"""The feed list schema: valid files load, every mistake is reported at its line."""

from __future__ import annotations

import pytest

from ingest.config import FeedsConfig, _checks
from wirewatch.configfile import load_model, parse_yaml
from wirewatch.errors import ConfigError

GOOD = """\
version: 1
defaults:
  interval: 2m
limits:
  max_bytes: 512KB
  total_timeout: 45s
feeds:
  - id: afp-fr
    url: https://wire.example/fr/rss
    source: AFP
    lang: fr
    tags: [wire]
  - id: reuters.world
    url: http://wire.example/en/atom
    source: Reuters
    interval: 90
"""


def load(text: str) -> FeedsConfig:
    return load_model(parse_yaml(text, "feeds.yaml"), FeedsConfig, _checks)


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load(text)
    return [str(i) for i in err.value.issues]


def test_a_valid_list_loads_with_units_and_defaults() -> None:
    config = load(GOOD)
    afp, reuters = config.feeds
    assert config.interval_of(afp) == 120.0
    assert config.interval_of(reuters) == 90.0
    assert config.limits.max_bytes == 512 * 1024
    assert config.max_bytes_of(afp) == 512 * 1024
    assert config.limits.total_timeout == 45.0
    assert afp.lang == "fr" and reuters.lang is None
    assert config.limits.block_private is False


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("url: https://wire.example/fr/rss", "url: ftp://wire.example/fr"), "feeds.yaml:9: feeds.url"),
        (("url: https://wire.example/fr/rss", "url: file:///etc/passwd"), "feeds.yaml:9: feeds.url"),
        (("url: https://wire.example/fr/rss", "url: https:///nohost"), "feeds.yaml:9: feeds.url"),
        (("    lang: fr", "    lang: de"), "feeds.yaml:11: feeds.lang"),
        (("    tags: [wire]", "    colour: red"), "feeds.yaml:12: unknown key 'colour'"),
        (("  interval: 2m", "  interval: soon"), "feeds.yaml:3: defaults.interval"),
        (("  max_bytes: 512KB", "  max_bytes: 0"), "feeds.yaml:5: limits.max_bytes"),
        (("- id: afp-fr", "- id: AFP FR"), "feeds.yaml:8: feeds.id"),
        (("    source: AFP", "    source: ''"), "feeds.yaml:10: feeds.source"),
        (("version: 1", "version: 2"), "feeds.yaml:1: version"),
    ],
)
def test_each_mistake_is_reported_at_its_line(change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in GOOD
    found = issues(GOOD.replace(old, new, 1))
    assert any(i.startswith(expected) for i in found), found


def test_duplicate_ids_point_at_the_second_one_and_name_the_first() -> None:
    found = issues(GOOD.replace("id: reuters.world", "id: afp-fr"))
    assert found == ["feeds.yaml:13: duplicate feed id 'afp-fr' (first at line 8)"]


def test_an_empty_feed_list_is_an_error() -> None:
    assert issues("version: 1\nfeeds: []\n")


def test_total_timeout_shorter_than_connect_is_refused() -> None:
    found = issues(GOOD.replace("total_timeout: 45s", "total_timeout: 1s"))
    assert found == ["feeds.yaml:6: total_timeout is shorter than connect_timeout"]
