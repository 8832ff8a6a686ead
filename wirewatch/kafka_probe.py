"""Does Kafka answer? Asked once by every command that needs the broker, before its work.

A client library left to itself waits its own bootstrap timeout (30 s for
kafka-python) and logs every refused connection on the way; the probe asks
for the cluster's metadata for ``WIREWATCH_KAFKA_PROBE_S`` seconds with the
library's log quiet, and turns silence into one ``BrokerError`` that says
what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from wirewatch.errors import BrokerError
from wirewatch.settings import Settings

#: What to do when the broker does not answer, appended to the error.
HINT = "is `wirewatch broker` running? else point WIREWATCH_KAFKA_BOOTSTRAP at a running Kafka"


def probe(bootstrap: str, settings: Settings) -> None:
    """Return once a broker of ``bootstrap`` answers a metadata request; else raise ``BrokerError``.

    Called by ``ingest``, ``process``, ``deliver``, ``backtest``, ``dlq replay``,
    ``watchlist apply`` and ``up`` (with a configured broker) after they have
    checked their own arguments and files, before they touch the network.
    """
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError, KafkaTimeoutError

    timeout_ms = int(settings.kafka_probe_s * 1000)
    try:
        with _quiet("kafka"):
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap,
                client_id="wirewatch-probe",
                bootstrap_timeout_ms=timeout_ms,
                request_timeout_ms=timeout_ms,
                **settings.kafka_client_config(),
            )
            admin.close()
    except KafkaTimeoutError:
        raise BrokerError(
            f"Kafka at {bootstrap} does not answer within {settings.kafka_probe_s:g} s: {HINT}"
        ) from None
    except KafkaError as exc:  # it answered, and refused us (security settings, a version it lacks…)
        raise BrokerError(f"Kafka at {bootstrap} answered with an error: {exc}") from None


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    # Each refused connection is a WARNING or ERROR record; the one line the probe raises says it all.
    logger = logging.getLogger(name)
    level, logger.level = logger.level, logging.CRITICAL + 1
    try:
        yield
    finally:
        logger.setLevel(level)
