"""One candidate per item, however many rules fire."""

from __future__ import annotations

from datetime import UTC, datetime

from processors.matching import Engine
from processors.stream.candidates import candidate_for
from wirewatch.records import NewsItem
from wirewatch.watchlist import parse_watchlist

WATCHLIST = """
version: 1
regions: [{name: Idlib, aliases: [Idleb]}]
escalations:
  - {name: air strike, severity: high, terms: {en: [air strike], fr: [frappe aérienne]}}
  - {name: chemical attack, severity: critical, terms: {en: [chemical attack]}}
rules:
  - {name: chemical, when: {escalations: [chemical attack]}, notify: [analysts]}
  - {name: strikes, when: {escalations: [air strike], regions: any}, notify: [slack-ops]}
default_rule: true
"""
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def item(title: str) -> NewsItem:
    return NewsItem(id="i1", feed="f", source="AFP", title=title, published_at=NOW, fetched_at=NOW)


def test_every_fired_rule_folds_into_one_candidate() -> None:
    engine = Engine.build(parse_watchlist(WATCHLIST))
    news = item("Chemical attack after an air strike on Idlib")
    c = candidate_for(news, engine.evaluate(news.text), engine.version)
    assert c is not None
    assert c.rule == "chemical" and c.rules == ["chemical", "strikes", "default"]
    assert c.severity == "critical"
    assert c.notify == ["analysts", "slack-ops", "default"]  # default: the default channel set
    assert c.partition_key == b"chemical"


def test_no_rule_no_candidate() -> None:
    engine = Engine.build(parse_watchlist(WATCHLIST))
    news = item("Idlib market reopens")
    assert candidate_for(news, engine.evaluate(news.text), engine.version) is None
