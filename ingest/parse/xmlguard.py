"""Hostile XML is disarmed before any parser sees it.

Entity-expansion bombs ("billion laughs") and external entities (XXE) both
live in a DOCTYPE's internal subset (``<!DOCTYPE rss [ ... ]>``), which no
real news feed needs. ``disarm`` removes such a declaration from the prolog,
so its entities stay undefined: the parser reports an error instead of
expanding or fetching anything. feedparser and expat have defences of their
own; this one does not depend on their versions.
"""

from __future__ import annotations

import re

_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.S)
_ELEMENT = re.compile(rb"<[A-Za-z_]")


def disarm(body: bytes) -> tuple[bytes, bool]:
    """``body`` without DOCTYPE internal subsets in its prolog, and whether one was removed."""
    if b"<!DOCTYPE" not in body:
        return body, False
    removed = False
    while (m := _SUBSET.search(body)) is not None:
        root = _ELEMENT.search(body)
        if root is not None and root.start() < m.start():
            break  # a DOCTYPE after the root element is text (CDATA), not a declaration
        body = body[: m.start()] + body[m.end() :]
        removed = True
    return body, removed
