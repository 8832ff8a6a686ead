"""The feed list (``config/feeds.yaml``): which feeds to poll, how often, how politely.

Read once at start by ``wirewatch ingest`` and ``wirewatch feeds check``.
``load_feeds`` returns a complete, valid ``FeedsConfig`` or raises
``ConfigError`` with a ``file:line: message`` for every problem.

Durations are ``wirewatch.durations`` ones (seconds, ``30s``, ``5m``, ``2h``); sizes are
bytes or ``512KB``/``10MB``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from wirewatch.configfile import YamlDocument, load_model, read_yaml
from wirewatch.durations import Duration
from wirewatch.errors import Issue

_SIZES = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def _size(value: object) -> object:
    if isinstance(value, str):
        m = _AMOUNT.match(value)
        unit = m.group(2).lower() if m else None
        if m is None or unit not in _SIZES:
            raise ValueError(f"expected a size like 10MB, got {value!r}")
        return float(m.group(1)) * _SIZES[unit]
    return value


Bytes = Annotated[int, BeforeValidator(_size), Field(gt=0)]
Lang = Literal["fr", "en"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """Politeness and safety bounds for every fetch; defaults suit a few hundred feeds."""

    concurrency: int = Field(default=20, ge=1, le=1000, description="fetches in flight, all hosts")
    per_host: int = Field(default=2, ge=1, le=100, description="fetches in flight to one host")
    connect_timeout: Duration = Field(default=10.0, description="longest wait to connect")
    read_timeout: Duration = Field(default=30.0, description="longest silence while reading an answer")
    total_timeout: Duration = Field(default=60.0, description="longest fetch, redirects and body included")
    max_bytes: Bytes = Field(
        default=10 * 1024 * 1024, description="a larger body is cut off and counted, never parsed"
    )
    max_redirects: int = Field(default=5, ge=0, le=20, description="redirects followed per fetch")
    backoff_max: Duration = Field(
        default=3600.0, description="a failing feed is retried less and less often, up to this"
    )
    seen_max: int = Field(default=200_000, ge=100, description="ids remembered across restarts")
    max_updates: int = Field(default=3, ge=0, description="re-publications of an item edited in place")
    block_private: bool = Field(
        default=False, description="refuse feeds whose host resolves to a private or loopback address"
    )


class FeedConfig(_Strict):
    """One feed: ``id`` names it in metrics and state, so keep it stable."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$",
        description="stable name of the feed in metrics and ingest state: a-z, 0-9, '.', '_', '-'",
    )
    url: str = Field(description="the RSS or Atom feed, http or https")
    source: str = Field(min_length=1, description="the outlet, shown in alerts: AFP, Reuters…")
    lang: Lang | None = Field(default=None, description="overrides the language the feed declares")
    interval: Duration | None = Field(
        default=None, description="time between two polls; default: defaults.interval"
    )
    tags: list[str] = Field(default=[], description="free labels")
    max_bytes: Bytes | None = Field(default=None, description="this feed's own limits.max_bytes")

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: str) -> str:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) URL with a host, got {url!r}")
        return url.strip()


class Defaults(_Strict):
    """What a feed that does not say gets."""

    interval: Duration = Field(default=300.0, description="time between two polls of a feed")


class FeedsConfig(_Strict):
    """The whole feed list. ``feed.interval`` falls back to ``defaults.interval``."""

    version: Literal[1] = Field(description="the file format's version")
    defaults: Defaults = Field(default=Defaults(), description="what a feed that does not say gets")
    limits: Limits = Field(default=Limits(), description="politeness and safety bounds for every fetch")
    feeds: list[FeedConfig] = Field(min_length=1, description="the feeds to poll")

    def interval_of(self, feed: FeedConfig) -> float:
        """Seconds between two polls of ``feed``."""
        return feed.interval if feed.interval is not None else self.defaults.interval

    def max_bytes_of(self, feed: FeedConfig) -> int:
        """Largest body accepted from ``feed``."""
        return feed.max_bytes if feed.max_bytes is not None else self.limits.max_bytes


def _checks(config: FeedsConfig, doc: YamlDocument) -> Iterator[Issue]:
    seen: dict[str, int] = {}
    for n, feed in enumerate(config.feeds):
        if feed.id in seen:
            first = doc.line_of(("feeds", seen[feed.id], "id"))
            yield doc.issue(("feeds", n, "id"), f"duplicate feed id {feed.id!r} (first at line {first})")
        else:
            seen[feed.id] = n
    if config.limits.total_timeout < config.limits.connect_timeout:
        yield doc.issue(("limits", "total_timeout"), "total_timeout is shorter than connect_timeout")


def load_feeds(path: Path | str) -> FeedsConfig:
    """Read and validate a feed list; raises ``ConfigError`` listing every problem."""
    return load_model(read_yaml(path), FeedsConfig, _checks)
