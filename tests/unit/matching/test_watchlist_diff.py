"""``diff_decisions``: what a watchlist change changes, on fixed items (no broker)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from processors.matching import Engine
from processors.matching.explain import jsonl_answer
from processors.watchlist_diff import diff_decisions
from wirewatch.records import NewsItem

BEFORE = """
version: 1
actors:
  - name: Russia
    aliases: [Russie, Russian]
regions:
  - name: Idlib
    aliases: [Idleb]
escalations:
  - name: air strike
    severity: high
    terms: {en: ["air strike"], fr: ["frappe aérienne"]}
  - name: shelling
    severity: medium
    terms: {en: ["shelling"], fr: ["bombardement"]}
"""

#: Adds a region (Hama), drops shelling, makes air strikes critical.
AFTER = """
version: 1
actors:
  - name: Russia
    aliases: [Russie, Russian]
regions:
  - name: Idlib
    aliases: [Idleb]
  - name: Hama
escalations:
  - name: air strike
    severity: critical
    terms: {en: ["air strike"], fr: ["frappe aérienne"]}
"""

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
_n = count()


def item(item_id: str, title: str, lang: str = "en") -> NewsItem:
    at = NOW + timedelta(minutes=next(_n))
    return NewsItem(
        id=item_id,
        feed="afp",
        source="AFP",
        url=f"https://example.org/{item_id}",
        title=title,
        lang=lang,
        published_at=at,
        fetched_at=at,
    )


ITEMS = [
    item("hama", "Air strike on a market in Hama"),  # added: Hama is new
    item("shell", "Shelling in Idlib overnight"),  # removed: shelling is gone
    item("idlib", "Air strike hits a hospital in Idlib"),  # changed: high -> critical
    item("calm", "Markets reopen in Aleppo"),  # nothing on either side
    item("russia", "Russian diplomats meet in Geneva"),  # mention, no alert, on both sides
]


@pytest.fixture
def engines(engine_of: Callable[[str], Engine]) -> tuple[Engine, Engine]:
    return engine_of(BEFORE), engine_of(AFTER)


def test_items_are_added_removed_changed_or_left_out(engines: tuple[Engine, Engine]) -> None:
    result = diff_decisions(ITEMS, *engines)
    assert [(c.id, c.change) for c in result.changes] == [
        ("hama", "added"),
        ("shell", "removed"),
        ("idlib", "changed"),
    ]
    assert dict(result.counts()) == {"added": 1, "removed": 1, "changed": 1}
    assert (result.items, result.alerts_before, result.alerts_after) == (5, 2, 2)
    assert result.stopped is None and result.summary()["complete"] is True


def test_before_and_after_are_what_try_jsonl_answers_with_each_watchlist(
    engines: tuple[Engine, Engine],
) -> None:
    before, after = engines
    result = diff_decisions(ITEMS, before, after)
    by_id = {i.id: i for i in ITEMS}
    for change in result.changes:
        it = by_id[change.id]
        assert change.before == jsonl_answer(it.id, before.evaluate(it.text, it.lang))
        assert change.after == jsonl_answer(it.id, after.evaluate(it.text, it.lang))
        assert set(change.to_json()) == {"id", "change", "before", "after"}
    changed = result.changes[2]
    assert (changed.before["severity"], changed.after["severity"]) == ("high", "critical")


def test_a_changed_entity_or_rule_counts_as_changed(engine_of: Callable[[str], Engine]) -> None:
    with_rule = AFTER + "rules:\n  - name: strikes\n    when: {escalations: [air strike], regions: any}\n"
    after = engine_of(AFTER.replace("[Russie, Russian]", "[Russie, Russian, hospital]"))
    result = diff_decisions([ITEMS[2]], engine_of(AFTER), after)
    assert [(c.change, c.after["actors"]) for c in result.changes] == [("changed", ["Russia"])]
    result = diff_decisions([ITEMS[2]], engine_of(AFTER), engine_of(with_rule))
    assert [(c.before["rules"], c.after["rules"]) for c in result.changes] == [(["default"], ["strikes"])]
    assert result.by_rule() == {
        "default": {"added": 0, "removed": 0, "changed": 1},
        "strikes": {"added": 0, "removed": 0, "changed": 1},
    }


def test_the_same_watchlist_changes_nothing(engines: tuple[Engine, Engine]) -> None:
    result = diff_decisions(ITEMS, engines[0], engines[0])
    assert result.changes == [] and result.alerts_before == result.alerts_after == 2


def test_counts_per_rule_take_the_rules_of_the_side_that_fired(engines: tuple[Engine, Engine]) -> None:
    assert diff_decisions(ITEMS, *engines).by_rule() == {"default": {"added": 1, "removed": 1, "changed": 1}}


def test_a_duplicate_is_skipped_as_the_stream_skips_it(engines: tuple[Engine, Engine]) -> None:
    result = diff_decisions([ITEMS[0], ITEMS[0]], *engines)
    assert (result.items, result.duplicates, len(result.changes)) == (2, 1, 1)


def test_the_item_bound_stops_the_replay_and_says_how_far_it_got(engines: tuple[Engine, Engine]) -> None:
    result = diff_decisions(ITEMS, *engines, max_items=2)
    assert (result.items, result.stopped, result.reached) == (2, "max-items", ITEMS[1].published_at)
    summary = result.summary()
    assert summary["complete"] is False and summary["stopped"] == "max-items"
    assert diff_decisions(ITEMS, *engines, max_items=5).stopped is None


def test_the_time_bound_stops_the_replay(engines: tuple[Engine, Engine]) -> None:
    ticks = iter(range(100))
    result = diff_decisions(ITEMS, *engines, max_seconds=2.5, clock=lambda: float(next(ticks)))
    assert result.stopped == "time" and result.items == 2


def test_stories_are_counted_as_the_stream_groups_them(engines: tuple[Engine, Engine]) -> None:
    twins = [item("a", "Air strike on a market in Idlib"), item("b", "Air strike on a market in Idlib")]
    result = diff_decisions(twins, *engines)
    assert (result.alerts_before, result.stories_before) == (2, 1)
    assert [c.change for c in result.changes] == ["changed", "changed"]
