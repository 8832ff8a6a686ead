"""The processor service (``wirewatch process``): items in, alerts out.

``matching`` is the pure engine (watchlist in, ``Decision`` out; no Kafka,
faust, HTTP or feed library); ``stream`` runs it on the item stream as a
faust app (dedup, story grouping, surge windows, live watchlist);
``backtest`` replays stored items through a watchlist. Imports ``wirewatch``
only.
"""
