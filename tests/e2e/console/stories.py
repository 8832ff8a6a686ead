"""Alerts the browser tests produce: stories of reports, revised as the processors revise them.

``report`` is one cited item; ``story`` returns a story's revisions as ``Alert`` records
(revision k cites the first k+1 reports and says why it was revised, as
``processors.stream.stories`` does); ``HOSTILE_TITLE`` and ``HOSTILE_URL`` are feed text
that must stay inert in every page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.samples import sample_alert
from wirewatch.records import Alert, AlertItem, Evidence, Severity, utcnow

#: Feed text that runs script if a page lets it through as markup.
HOSTILE_TITLE = '<script>alert("title")</script><img src=x onerror=alert("img")> Frappes près d\'Idleb'
HOSTILE_URL = "javascript:alert('link')"


@dataclass(frozen=True)
class Report:
    """One report a story cites: what an outlet published."""

    title: str
    source: str = "AFP"
    lang: str = "fr"
    url: str | None = None


def new_key(label: str = "st") -> str:
    """A story key unique to this run (the console's pages take it in their URLs)."""
    return f"{label}-{uuid.uuid4().hex[:12]}"


def story(
    reports: Sequence[Report],
    *,
    key: str | None = None,
    severity: Severity | Sequence[Severity] = "high",
    reasons: Sequence[str] = (),
    regions: Sequence[str] = ("Idlib",),
    actors: Sequence[str] = ("Russia",),
    escalations: Sequence[str] = ("air strike",),
    evidence: Sequence[tuple[str, str, str]] = (("Idlib", "region", "Idleb"),),
    at: datetime | None = None,
) -> list[Alert]:
    """The revisions of one story: revision 0 cites the first report, revision k the first k+1.

    ``severity`` is every revision's, or one per revision; ``reasons[k-1]`` is revision k's
    update reason (one per report after the first); ``evidence`` holds (entity, kind, matched
    text) triples, each cited by the reports whose title holds its text (any report, if none
    does); ``at`` is the last report's time.
    """
    key = key or new_key()
    assert len(reasons) == len(reports) - 1, "one update reason per report after the first"
    severities = [severity] * len(reports) if isinstance(severity, str) else list(severity)
    assert len(severities) == len(reports), "one severity per revision"
    end = at or utcnow()
    start = end - timedelta(minutes=2 * (len(reports) - 1))
    items = [
        AlertItem(
            id=f"{key}-item-{k}",
            title=r.title,
            url=r.url if r.url is not None else f"https://www.example.org/{key}/{k}",
            source=r.source,
            lang=r.lang,
            published_at=start + timedelta(minutes=2 * k, seconds=-40),
            fetched_at=start + timedelta(minutes=2 * k),
        )
        for k, r in enumerate(reports)
    ]
    base = sample_alert(0, story=key)
    revisions = []
    for k in range(len(reports)):
        cited = items[: k + 1]
        cites = [
            Evidence(entity=e, kind=kind, alias=m, matched=m, score=100.0, item_id=item.id)
            for e, kind, m in evidence
            for item in cited
            if m.casefold() in item.title.casefold()
        ]
        cites += [
            Evidence(entity=e, kind=kind, alias=m, matched=m, score=100.0)
            for e, kind, m in evidence
            if not any(m.casefold() in item.title.casefold() for item in cited)
        ]
        revisions.append(
            base.model_copy(
                update={
                    "alert_id": f"{key}:r{k}",
                    "revision": k,
                    "severity": severities[k],
                    "items": cited,
                    "source_count": len({i.source for i in cited}),
                    "report_count": len(cited),
                    "first_seen": start,
                    "last_seen": start + timedelta(minutes=2 * k),
                    "update_reason": reasons[k - 1] if k else None,
                    "regions": list(regions),
                    "actors": list(actors),
                    "escalations": list(escalations),
                    "evidence": cites,
                }
            )
        )
    return revisions


def single(title: str, *, severity: Severity = "high", at: datetime | None = None, **kw: object) -> Alert:
    """A one-report story's only alert."""
    lang = str(kw.pop("lang", "fr"))
    source = str(kw.pop("source", "AFP"))
    return story([Report(title, source=source, lang=lang)], severity=severity, at=at, **kw)[0]  # type: ignore[arg-type]
