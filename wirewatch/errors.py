"""Every error Wirewatch raises on purpose, in one tree.

::

    WirewatchError
    ├── ConfigError            a YAML/env file is invalid; carries file:line issues
    ├── BrokerError            the Kafka broker cannot be reached or started
    │   ├── ToolMissing        java or mvn is not on PATH
    │   └── BrokerStartError   the local broker did not come up (see its log)
    ├── NativeUnavailable      WIREWATCH_MATCHING=native but the native pass is not built
    ├── RecordError            a Kafka message value is not a valid record (also a ValueError)
    ├── FeedError              a feed could not be fetched or parsed
    │   ├── FetchError         transport, status, size or redirect trouble
    │   │   └── RetryLater     a 429 or 503 that said when to come back
    │   └── ParseError         the body is not a usable feed
    ├── DeliveryError          an alert could not be delivered to a channel
    ├── StaleVersion           the live watchlist is no longer the version a change was made on
    └── DependencyError        an installed library is not the one the code was written for

Libraries raise these; the CLI turns them into one line on stderr and a
non-zero exit (2 for invalid input, 1 for everything else).
"""

from __future__ import annotations

from dataclasses import dataclass


class WirewatchError(Exception):
    """Base of every error Wirewatch raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Issue:
    """One problem in one file, printed as ``file:line: message``."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class ConfigError(WirewatchError):
    """A configuration file is invalid; ``issues`` lists every problem found."""

    exit_code = 2

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class BrokerError(WirewatchError):
    """The Kafka broker cannot be reached or started."""


class ToolMissing(BrokerError):
    """A program the local broker needs (java, mvn) is not installed."""


class BrokerStartError(BrokerError):
    """The local broker process failed to start or to become ready."""


class NativeUnavailable(WirewatchError):
    """``WIREWATCH_MATCHING=native`` but the matching engine's native pass was not built."""

    exit_code = 2  # a setting the user chose


class RecordError(WirewatchError, ValueError):
    """A Kafka message value is not a valid record; stream consumers dead-letter it."""


class FeedError(WirewatchError):
    """A feed could not be fetched or parsed."""

    #: bounded label value for metrics (``timeout``, ``http_500``, ``too_large``…)
    kind = "error"

    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        if kind:
            self.kind = kind


class FetchError(FeedError):
    """Transport, HTTP status, size or redirect trouble while fetching a feed."""


class RetryLater(FetchError):
    """A 429 or 503 whose Retry-After said when to come back (``delay`` seconds, or None)."""

    def __init__(self, message: str, kind: str, delay: float | None):
        super().__init__(message, kind=kind)
        self.delay = delay


class ParseError(FeedError):
    """The fetched body is not a usable feed."""


class DeliveryError(WirewatchError):
    """An alert could not be delivered to a channel."""


class StaleVersion(WirewatchError):
    """A watchlist change names a parent version that is no longer the live one."""


class DependencyError(WirewatchError):
    """An installed library is not the version, or lacks the parts, Wirewatch was written against."""
