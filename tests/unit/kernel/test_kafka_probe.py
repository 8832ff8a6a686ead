"""The probe turns what the Kafka client raised into one ``BrokerError`` that says what to do."""

from __future__ import annotations

from typing import Any

import kafka.admin
import pytest
from kafka.errors import KafkaTimeoutError, UnsupportedVersionError

from wirewatch.errors import BrokerError
from wirewatch.kafka_probe import probe
from wirewatch.settings import Settings


class Client:
    """Stands in for ``KafkaAdminClient``: raises ``error``, else records that it was closed."""

    error: Exception | None = None
    closed = False

    def __init__(self, **config: Any):
        self.config = config
        if Client.error is not None:
            raise Client.error

    def close(self) -> None:
        Client.closed = True


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> type[Client]:
    monkeypatch.setattr(kafka.admin, "KafkaAdminClient", Client)
    Client.error, Client.closed = None, False
    return Client


def test_a_broker_that_answers_is_asked_once_and_let_go(client: type[Client]) -> None:
    probe("k:9092", Settings(kafka_probe_s=2))
    assert client.closed


def test_no_answer_in_time_says_what_to_do(client: type[Client]) -> None:
    client.error = KafkaTimeoutError("Unable to bootstrap from k:9092")
    with pytest.raises(BrokerError) as raised:
        probe("k:9092", Settings(kafka_probe_s=2))
    assert str(raised.value) == (
        "Kafka at k:9092 does not answer within 2 s: "
        "is `wirewatch broker` running? else point WIREWATCH_KAFKA_BOOTSTRAP at a running Kafka"
    )


def test_an_answer_that_refuses_us_is_not_called_silence(client: type[Client]) -> None:
    client.error = UnsupportedVersionError("ApiVersions")
    with pytest.raises(BrokerError, match=r"^Kafka at k:9092 answered with an error: "):
        probe("k:9092", Settings(kafka_probe_s=2))
