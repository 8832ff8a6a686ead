"""The shared kernel of Wirewatch: what every service needs and no service owns.

Settings (``settings``), the wire records services exchange (``records``),
topic names (``topics``), the watchlist schema and loader (``watchlist``),
YAML loading with ``file:line`` errors (``configfile``), the exception tree
(``errors``), logging, metrics and consumer-lag helpers, the local Kafka
runner (``broker``), process supervision for ``wirewatch up``, the demo feed
server (``demo``), observability as code (``observability``) and the
``wirewatch`` command line (``cli``, the composition root: the only module
here that imports the services).
"""
