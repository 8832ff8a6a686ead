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
    connect_timeout: Duration = 10.0
    read_timeout: Duration = 30.0
    total_timeout: Duration = 60.0
    max_bytes: Bytes = 10 * 1024 * 1024
    max_redirects: int = Field(default=5, ge=0, le=20)
    backoff_max: Duration = 3600.0
    seen_max: int = Field(default=200_000, ge=100, description="ids remembered across restarts")
    max_updates: int = Field(default=3, ge=0, description="re-publications of an item edited in place")
    block_private: bool = Field(
        default=False, description="refuse feeds whose host resolves to a private or loopback address"
    )


class FeedConfig(_Strict):
    """One feed: ``id`` names it in metrics and state, so keep it stable."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    url: str
    source: str = Field(min_length=1, description="the outlet, shown in alerts: AFP, Reuters…")
    lang: Lang | None = None
    interval: Duration | None = None
    tags: list[str] = []
    max_bytes: Bytes | None = None

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: str) -> str:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) URL with a host, got {url!r}")
        return url.strip()


class Defaults(_Strict):
    interval: Duration = 300.0


class FeedsConfig(_Strict):
    """The whole feed list. ``feed.interval`` falls back to ``defaults.interval``."""

    version: Literal[1]
    defaults: Defaults = Defaults()
    limits: Limits = Limits()
    feeds: list[FeedConfig] = Field(min_length=1)

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
