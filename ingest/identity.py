"""Who an item is: its canonical link, its stable id, and a hash of what it says.

Called by the parser for every entry. The id is the same across polls,
restarts and feeds (two feeds carrying one story give one id), so the
seen-set and the processor can recognise an item wherever it comes from.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that only say how the reader arrived (analytics, campaigns).
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ocid",
        "cmpid",
        "xtor",  # AT Internet, common on French news sites
        "xtref",
        "at_medium",
        "at_campaign",
        "at_source",
        "ns_campaign",
        "ns_mchannel",
        "ns_source",
        "ns_linkname",
        "ito",
        "_ga",
        "ref",
    }
)
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES)


def canonical_link(link: str) -> str | None:
    """The link with scheme and host lowercased, default port, tracking parameters
    and fragment dropped, and the remaining query sorted; None unless http(s).
    """
    try:
        parts = urlsplit(link.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:  # e.g. a port that is not a number
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    bracketed = f"[{host}]" if ":" in host else host  # IPv6 literal
    netloc = bracketed if port in (None, _DEFAULT_PORTS[scheme]) else f"{bracketed}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k))
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def _digest(text: str, chars: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:chars]


def item_id(link: str | None, guid: str | None, fallback: str | None = None) -> str | None:
    """The stable id of an entry: from its canonical link, else its guid, else ``fallback``
    (the parser passes ``feed id + title`` for entries with neither); None if nothing is left.
    """
    canonical = canonical_link(link) if link else None
    if canonical:
        return _digest(f"link:{canonical}", 32)
    if guid and guid.strip():
        return _digest(f"guid:{guid.strip()}", 32)
    if fallback and fallback.strip():
        return _digest(f"text:{fallback.strip()}", 32)
    return None


def content_hash(title: str, summary: str) -> str:
    """A short hash of what an item says; a change means the item was edited in place."""
    return _digest(f"{title}\x1f{summary}", 16)
