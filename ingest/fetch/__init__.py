"""Fetching feeds politely: limits, timeouts, size cap, redirects, conditional GET, backoff."""

from ingest.fetch.client import Fetcher, FetchResult, Validators
from ingest.fetch.policy import next_delay, parse_retry_after

__all__ = ["FetchResult", "Fetcher", "Validators", "next_delay", "parse_retry_after"]
