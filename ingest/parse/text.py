"""Plain text from feed markup: tags stripped, entities decoded, whitespace folded.

Called by the parser on every title and summary. Feed text is untrusted: the
result never contains markup the matcher would have to skip, and is capped
so one bloated entry cannot exceed the broker's message size.
"""

from __future__ import annotations

import html
import re

#: Longest title and summary kept, in characters (a wire summary is a few hundred).
MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 20_000

_DROP_BLOCKS = re.compile(r"<(script|style|template)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.I | re.S)
# Inline tags vanish (so "fr<b>app</b>es" stays one word); every other tag is a word break.
_INLINE = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|em|font|i|kbd|mark|q|s|small|span|strong|sub|sup|u)\b[^>]*>", re.I
)
_TAG = re.compile(r"<[a-zA-Z/!?][^>]*>?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


def fold(text: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """Whitespace runs (including no-break spaces) become one space; control characters go."""
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def html_to_text(markup: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """The readable text of an HTML fragment, on one line, at most ``limit`` characters."""
    if "<" in markup:
        # Control characters go first: "<\x1f?" must not turn into a tag once they are gone.
        markup = _CONTROL.sub("", markup)
        markup = _TAG.sub(" ", _INLINE.sub("", _DROP_BLOCKS.sub(" ", markup)))
    if "&" in markup:
        markup = html.unescape(markup)
    return fold(markup, limit)
