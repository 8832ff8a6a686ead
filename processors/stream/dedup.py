"""Item dedup: items arrive at least once; each is matched once per content.

The state of one item id is ``{"h": content hash, "o": "partition:offset",
"t": fetch time (epoch s)}``. A record whose own offset is the one stored is
a replay of itself after a crash (the state was saved, the offset not
committed) and is processed again, so a crash never drops an item; the
stages after this one are idempotent. Entries expire after the TTL.

Only items that hand a candidate or a mention on get an entry: a repeat of
an item that fired nothing is matched again and fires nothing again (unless
the watchlist changed meanwhile: then as if it were new), and most items
are such (one changelog record per item was the first stage's
largest cost after matching).
"""

from __future__ import annotations

import hashlib
from typing import Any

from wirewatch.records import NewsItem


def content_hash(item: NewsItem) -> str:
    """Hash of what the matcher reads: an item updated in place gets a new hash."""
    return hashlib.sha256(f"{item.title}\x1f{item.summary}".encode()).hexdigest()[:16]


def admit(entry: dict[str, Any] | None, item: NewsItem, ref: str) -> tuple[bool, dict[str, Any] | None]:
    """Whether to process ``item`` read at ``ref`` (``"partition:offset"``), and the entry to store.

    Returns ``(False, None)`` for a duplicate, ``(True, entry)`` otherwise
    (``entry`` is None when the stored one is already right).
    """
    h = content_hash(item)
    if entry is not None:
        if entry.get("o") == ref:
            return True, None
        if entry.get("h") == h:
            return False, None
    return True, {"h": h, "o": ref, "t": item.fetched_at.timestamp()}


def expired(entry: dict[str, Any], now: float, ttl_s: float) -> bool:
    """True when the entry is older than the TTL and can be forgotten."""
    return now - float(entry.get("t", 0)) > ttl_s
