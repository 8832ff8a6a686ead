"""How ``wirewatch try`` with several texts says which reports make one story, and why.

The texts are told in the order given, as reports of different outlets a
few minutes apart, through the same candidate and story code the stream
runs (``candidate_for``, ``StoryStore``), with nothing sent anywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from processors.matching import Engine
from processors.stream.candidates import candidate_for
from processors.stream.grouping import GroupingPolicy
from processors.stream.stories import StoryStore
from wirewatch.records import NewsItem

#: When the first text is taken to be published; the next ones follow ``STEP`` apart.
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=10)


def tell_texts(engine: Engine, texts: list[str], lang: str | None, policy: GroupingPolicy) -> list[str]:
    """One line per text: the story it opens or joins, why, and what its update says."""
    tables: dict[str, dict[str, Any]] = {}
    stories: dict[str, int] = {}
    lines = []
    for n, text in enumerate(texts, start=1):
        at = START + (n - 1) * STEP
        title, _, summary = text.partition("\n")
        item = NewsItem(
            id=f"text-{n}", feed="try", source=f"text {n}", title=title, summary=summary,
            lang=lang, published_at=at, fetched_at=at,
        )  # fmt: skip
        candidate = candidate_for(item, engine.evaluate(item.text, item.lang), engine.version)
        if candidate is None:
            lines.append(f"text {n}: no rule fires, no story")
            continue
        store = StoryStore(tables.setdefault(candidate.rule, {}), policy)
        alert = store.apply(candidate, n)
        story = store.holding(item.id)
        number = stories.setdefault(story.key if story else "", len(stories) + 1)
        if alert is not None and alert.revision == 0:
            lines.append(f"text {n}: opens story {number} — {alert.grouping}")
        elif alert is not None:
            lines.append(f"text {n}: joins story {number} — {alert.grouping}; update: {alert.update_reason}")
        else:
            joined = story.joined if story else ""
            lines.append(f"text {n}: joins story {number} — {joined}; nothing new to push")
    return lines
