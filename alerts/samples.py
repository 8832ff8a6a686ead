"""A realistic sample alert, for ``wirewatch channels test`` and for tests and benchmarks.

Called when an operator wants to see what a channel shows before a real
alert comes; returns a complete ``Alert`` (the demo's Syria scenario).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from wirewatch.records import Alert, AlertItem, Evidence, Severity, utcnow


def sample_alert(
    n: int = 0,
    *,
    story: str | None = None,
    revision: int = 0,
    severity: Severity = "high",
    title: str | None = None,
    notify: Sequence[str] = (),
    at: datetime | None = None,
    items: int = 2,
) -> Alert:
    """Alert number ``n`` of story ``story`` (default ``story-<n>``); ids are stable for equal arguments."""
    story = story or f"story-{n}"
    now = at or utcnow()
    cited = [
        AlertItem(
            id=f"item-{n}-{revision}-{k}",
            title=title if title is not None and k == 0 else f"Frappes aériennes près d'Idleb ({n}.{k})",
            url=f"https://www.example.org/news/{n}-{revision}-{k}",
            source=("AFP", "Reuters", "Le Monde")[k % 3],
            lang=("fr", "en")[k % 2],
            published_at=now - timedelta(seconds=30 + k),
            fetched_at=now - timedelta(seconds=5 + k),
        )
        for k in range(items)
    ]
    return Alert(
        alert_id=f"{story}:r{revision}",
        story_key=story,
        kind="escalation",
        rule="strikes-near-watch-area",
        severity=severity,
        actors=["Russia", "Hayat Tahrir al-Sham"],
        regions=["Idlib"],
        escalations=["air strike"],
        evidence=[Evidence(entity="Idlib", kind="region", alias="Idleb", matched="Idleb", score=100.0)],
        items=cited,
        source_count=max(1, items),
        first_seen=now - timedelta(minutes=revision * 5),
        last_seen=now,
        revision=revision,
        watchlist_version="sample",
        notify=list(notify),
        update_reason="new sources" if revision else None,
    )
