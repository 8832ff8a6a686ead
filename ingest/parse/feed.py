"""A fetched body becomes ``NewsItem``s: feedparser on bytes, then text, dates, language, id.

Called by the poll loop after every successful fetch, and by ``feeds preview``.
feedparser is only ever given bytes and headers, never a URL or a path (it
would fetch or open them itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from ingest.identity import item_id
from ingest.parse.dates import entry_published
from ingest.parse.lang import Lang, detect_lang, normalise_lang
from ingest.parse.text import MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, html_to_text
from ingest.parse.xmlguard import disarm
from wirewatch.errors import ParseError
from wirewatch.records import NewsItem

#: Response headers feedparser uses (charset, base URL, language); the rest stay behind.
_PASSED_HEADERS = ("content-type", "content-language", "content-location")
#: feedparser "bozo" reasons that do not harm the result: a feed served as
#: text/html or with no Content-Type at all is common and parses the same.
_BENIGN = (feedparser.NonXMLContentType,)


@dataclass(frozen=True)
class FeedSource:
    """What the parser needs to know about the feed a body came from."""

    feed_id: str
    source: str
    lang: Lang | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """The items of one body, in feed order, plus what went wrong on the way.

    ``error`` is set for a malformed ("bozo") or disarmed document whose
    entries were still usable; ``skipped`` counts entries with no link, guid
    or title to identify them.
    """

    items: list[NewsItem]
    error: str | None = None
    skipped: int = 0


def _clean(value: object, limit: int) -> str:
    # Even "text/plain" fields go through the HTML stripper: feeds put markup in plain
    # titles all the time, and a "<" not followed by a letter is kept as it is.
    return html_to_text(value, limit) if isinstance(value, str) and value else ""


def _summary(entry: Mapping[str, Any]) -> str:
    """The summary, else the first non-empty content block (Atom often has only content)."""
    summary = _clean(entry.get("summary"), MAX_SUMMARY_CHARS)
    for content in entry.get("content") or ():
        if summary:
            break
        summary = _clean(content.get("value"), MAX_SUMMARY_CHARS)
    return summary


def _declared_lang(entry: Mapping[str, Any], feed: Mapping[str, Any]) -> tuple[bool, Lang | None]:
    for detail in (entry.get("title_detail"), entry.get("summary_detail")):
        if detail and detail.get("language"):
            return True, normalise_lang(detail["language"])
    if feed.get("language"):
        return True, normalise_lang(feed["language"])
    return False, None


def _item(
    entry: Mapping[str, Any], parsed: Any, src: FeedSource, base_url: str, fetched_at: datetime
) -> NewsItem | None:
    title = _clean(entry.get("title"), MAX_TITLE_CHARS)
    summary = _summary(entry)
    guid = entry.get("id") if isinstance(entry.get("id"), str) else None
    link = entry.get("link")
    link = urljoin(base_url, link.strip()) if isinstance(link, str) and link.strip() else None
    ident = item_id(link, guid, fallback=f"{src.feed_id}\x1f{title}" if title else None)
    if ident is None:
        return None
    if src.lang is not None:
        lang: Lang | None = src.lang
    else:
        declared, lang = _declared_lang(entry, parsed.feed)
        if not declared:
            lang = detect_lang(f"{title} {summary}")
    return NewsItem(
        id=ident,
        feed=src.feed_id,
        source=src.source,
        url=link,
        title=title,
        summary=summary,
        lang=lang,
        published_at=entry_published(entry, fetched_at),
        fetched_at=fetched_at,
    )


def parse_feed(
    body: bytes, headers: Mapping[str, str], src: FeedSource, base_url: str, fetched_at: datetime
) -> ParsedFeed:
    """Parse one fetched body (``headers`` are the response's, keys any case).

    Returns every usable entry, deduplicated by id, even from a malformed
    document. Raises ``ParseError`` when the body holds no feed at all.
    ``base_url`` (the final URL fetched) resolves relative links.
    """
    body, disarmed = disarm(body)
    lowered = {k.lower(): v for k, v in headers.items()}
    passed = {k: lowered[k] for k in _PASSED_HEADERS if k in lowered}
    passed["content-location"] = base_url
    # Every title and summary is reduced to plain text here, so feedparser's HTML
    # sanitiser and its rewriting of links inside markup would be work thrown away;
    # entry links are still resolved.
    parsed = feedparser.parse(body, response_headers=passed, sanitize_html=False, resolve_relative_uris=False)
    error = None
    if disarmed:
        error = "DOCTYPE with an internal subset (entity declarations) removed"
    elif parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _BENIGN):
        error = f"malformed feed: {parsed.get('bozo_exception')!s:.200}"
    if not parsed.entries and not parsed.get("version"):
        raise ParseError(f"not an RSS/Atom feed ({error or 'no feed element'})", kind="bad_body")
    items: list[NewsItem] = []
    seen: set[str] = set()
    skipped = 0
    for entry in parsed.entries:
        item = _item(entry, parsed, src, base_url, fetched_at)
        if item is None:
            skipped += 1
        elif item.id not in seen:
            seen.add(item.id)
            items.append(item)
    return ParsedFeed(items=items, error=error, skipped=skipped)
