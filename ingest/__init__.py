"""The ingest service (``wirewatch ingest``): RSS/Atom feeds to ``wirewatch.items.v1``.

Feed list (``config``), polite fetching (``fetch``), parsing to ``NewsItem``
(``parse``), item identity (``identity``), which items are new (``triage``),
the Kafka producer (``publish``), validators and seen-set in SQLite
(``state``), metrics, and the poll loop (``service``). Imports ``wirewatch``
only.
"""
