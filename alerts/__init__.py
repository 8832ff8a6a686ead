"""Alert delivery: channels, rendering, routing, throttling, digests, the delivery loop.

Runs as ``wirewatch deliver``. Reads ``wirewatch.alerts.v1``, sends each alert
to the channels its rule asked for (else the default set), records every
delivery in a SQLite ledger so nothing is sent twice, retries with backoff and
dead-letters what never gets through to ``wirewatch.deliveries.dlq.v1``.
"""
