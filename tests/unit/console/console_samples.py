"""Sample alerts for the console tests (unit and integration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from wirewatch.records import Alert, AlertItem, Evidence

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def make_alert(
    story: str = "st-1",
    revision: int = 0,
    *,
    severity: str = "high",
    title: str = "Frappes aériennes sur Idleb",
    regions: tuple[str, ...] = ("Idlib",),
    actors: tuple[str, ...] = ("Russia",),
    escalations: tuple[str, ...] = ("air strike",),
    matched: tuple[tuple[str, str, str, str], ...] = (
        ("Idlib", "region", "Idleb", "Idleb"),
        ("air strike", "escalation", "frappe aérienne", "Frappes aériennes"),
    ),
    url: str | None = "https://example.org/a",
    minutes: int = 0,
    **extra: Any,
) -> Alert:
    when = T0 + timedelta(minutes=minutes)
    item = AlertItem(
        id=f"it-{story}-{revision}",
        title=title,
        url=url,
        source="AFP",
        lang="fr",
        published_at=when,
        fetched_at=when + timedelta(seconds=30),
    )
    return Alert(
        alert_id=f"al-{story}-{revision}",
        story_key=story,
        kind="escalation",
        rule="default",
        rules=["default"],
        severity=severity,  # type: ignore[arg-type]
        actors=list(actors),
        regions=list(regions),
        escalations=list(escalations),
        evidence=[
            Evidence(entity=e, kind=k, alias=a, matched=m, score=100, item_id=item.id)  # type: ignore[arg-type]
            for e, k, a, m in matched
        ],
        items=[item],
        first_seen=T0,
        last_seen=when,
        revision=revision,
        update_reason=None if revision == 0 else "new outlet",
        grouping="opened" if revision == 0 else "same places",
        **extra,
    )
