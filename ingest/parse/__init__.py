"""Feed bodies to ``NewsItem``s: feedparser on bytes, plain text, UTC dates, language."""

from ingest.parse.feed import FeedSource, ParsedFeed, parse_feed

__all__ = ["FeedSource", "ParsedFeed", "parse_feed"]
