"""Realistic feed bodies for the ingest benchmarks, built from the shared French wire sample."""

from __future__ import annotations

import html
import re
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "fr-syrie-frappes-russes.txt"
_FALLBACK = (
    "Dans la nuit du mercredi et tôt le matin, les frappes aériennes russes ont été, selon le président "
    "de l'Observatoire syrien des droits de l'Homme, « plus intenses que d'habitude »."
)


def sentences() -> list[str]:
    """The sample article split into sentences (a fallback sentence if the sample is missing)."""
    text = SAMPLE.read_text(encoding="utf-8") if SAMPLE.is_file() else _FALLBACK
    return [s for s in re.split(r"(?<=[.»]) (?=[A-ZÀ-Ý«L])", text.strip()) if s]


def rss_feed(feed: int, first: int, count: int = 20) -> bytes:
    """An RSS 2.0 feed of ``count`` items numbered from ``first`` (newest first), HTML summaries."""
    parts = sentences()
    items = []
    for n in range(first + count - 1, first - 1, -1):
        lead = parts[n % len(parts)]
        body = parts[(n + 1) % len(parts)]
        title = html.escape(lead[:90].rsplit(" ", 1)[0])
        summary = (
            f"<p><b>{html.escape(lead)}</b></p><p>{html.escape(body)}&nbsp;<a href='/x'>Lire la suite</a></p>"
        )
        items.append(
            f"<item><title>{title} ({feed}-{n})</title>"
            f"<link>https://wire.example/{feed}/{n}?utm_source=rss&amp;xtor=RSS-1</link>"
            f"<guid isPermaLink='false'>wire-{feed}-{n}</guid>"
            f"<pubDate>Thu, 08 Oct 2015 {n % 24:02d}:{n % 60:02d}:00 +0200</pubDate>"
            f"<description><![CDATA[{summary}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Fil {feed}</title><link>https://wire.example/{feed}/</link><language>fr-FR</language>"
        + "".join(items)
        + "</channel></rss>"
    ).encode("utf-8")
