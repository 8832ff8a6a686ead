"""``wirewatch feeds preview``: what a feed would give, fetched and parsed like in service.

No broker, no state, no conditional GET. A file named on the command line is
read by us (never by feedparser), with the same size cap as a fetch.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ingest.config import Limits
from ingest.fetch import Fetcher
from ingest.parse import FeedSource, ParsedFeed, parse_feed
from ingest.parse.lang import Lang
from wirewatch.errors import FeedError, FetchError


async def preview_items(target: str, lang: Lang | None = None, limits: Limits | None = None) -> ParsedFeed:
    """Fetch (an http(s) URL) or read (a file) ``target`` and parse it; raises ``FeedError``."""
    limits = limits or Limits()
    now = datetime.now(UTC)
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https"):
        async with Fetcher(limits) as fetcher:
            fetched = await fetcher.fetch(target)
        source = FeedSource("preview", urlsplit(fetched.url).hostname or "preview", lang)
        return parse_feed(fetched.body, fetched.headers, source, fetched.url, now)
    if len(scheme) > 1:  # "C:" is a drive letter, not a scheme
        raise FetchError(f"only http(s) URLs or files can be previewed, not {scheme}:", kind="bad_url")
    path = Path(target)
    body = await asyncio.to_thread(_read_capped, path, limits.max_bytes)
    # Relative links stay relative (no base): ids then come from guids.
    return parse_feed(body, {}, FeedSource("preview", path.stem, lang), "", now)


def _read_capped(path: Path, cap: int) -> bytes:
    try:
        with path.open("rb") as f:
            body = f.read(cap + 1)
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror}") from None
    if len(body) > cap:
        raise FetchError(f"{path} is larger than {cap} bytes", kind="too_large")
    return body
