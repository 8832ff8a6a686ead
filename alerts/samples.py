"""Sample alerts: a realistic one for tests and benchmarks, and the one ``channels test`` sends.

``sample_alert`` is a complete ``Alert`` of the demo's Syria scenario.
``channels_test_alert`` is what ``wirewatch channels test NAME`` sends when an operator
wants to see what a channel shows before a real alert comes: every line a
channel renders from it (title, subject, items) says TEST, so nobody who
sees it in Slack or a mailbox takes it for a real event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from wirewatch.records import Alert, AlertItem, Evidence, Severity, utcnow

#: What the title of a ``channels test`` alert says (its headline: severity, then this).
TEST_HEADLINE = "TEST alert from wirewatch channels test, not a real event"


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


def channels_test_alert(channel: str, at: datetime | None = None) -> Alert:
    """The alert ``wirewatch channels test`` sends to ``channel``: its title and items say TEST.

    A new story each time (the key carries the time), so a bot or email
    channel tells each test as its own message rather than an update.
    """
    now = at or utcnow()
    story = f"channels-test-{channel}-{now:%Y%m%dT%H%M%S%f}"
    item = AlertItem(
        id=f"{story}-item",
        title=f"TEST: a sample item, to see what channel {channel!r} shows",
        url="https://www.example.org/wirewatch-channels-test",
        source="Wirewatch (test)",
        lang="en",
        published_at=now,
        fetched_at=now,
    )
    return Alert(
        alert_id=f"{story}:r0",
        story_key=story,
        kind="escalation",
        rule="channels-test",
        severity="low",
        escalations=[TEST_HEADLINE],
        items=[item],
        first_seen=now,
        last_seen=now,
        watchlist_version="test",
    )
