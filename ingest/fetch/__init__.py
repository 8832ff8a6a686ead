"""Fetching feeds politely: limits, timeouts, size cap, redirects, conditional GET, backoff."""

from ingest.fetch.client import Fetcher, FetchResult, RetryLater, Validators
from ingest.fetch.policy import next_delay, parse_retry_after

__all__ = ["FetchResult", "Fetcher", "RetryLater", "Validators", "next_delay", "parse_retry_after"]
