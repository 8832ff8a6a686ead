"""A bad ``WIREWATCH_*`` value is a ``ConfigError`` naming the variable; good values stay as given."""

from __future__ import annotations

import pytest

from wirewatch.errors import ConfigError
from wirewatch.settings import Settings

BOOTSTRAP = "expected host:port[,host:port…]"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("WIREWATCH_PARTITIONS", "abc", "WIREWATCH_PARTITIONS: expected an integer, got 'abc'"),
        ("WIREWATCH_PARTITIONS", "0", "WIREWATCH_PARTITIONS: expected greater than or equal to 1, got '0'"),
        ("WIREWATCH_SURGE_FACTOR", "lots", "WIREWATCH_SURGE_FACTOR: expected a number, got 'lots'"),
        (
            "WIREWATCH_LOG_LEVEL",
            "LOUD",
            "WIREWATCH_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'",
        ),
        (
            "WIREWATCH_KAFKA_BOOTSTRAP",
            "127.0.0.1:notaport",
            f"WIREWATCH_KAFKA_BOOTSTRAP: {BOOTSTRAP}, got '127.0.0.1:notaport'",
        ),
        ("WIREWATCH_KAFKA_BOOTSTRAP", "kafka", f"WIREWATCH_KAFKA_BOOTSTRAP: {BOOTSTRAP}, got 'kafka'"),
        ("WIREWATCH_KAFKA_BOOTSTRAP", "a:9092,", f"WIREWATCH_KAFKA_BOOTSTRAP: {BOOTSTRAP}, got 'a:9092,'"),
        ("WIREWATCH_KAFKA_BOOTSTRAP", ":9092", f"WIREWATCH_KAFKA_BOOTSTRAP: {BOOTSTRAP}, got ':9092'"),
        ("WIREWATCH_KAFKA_BOOTSTRAP", "a:0", f"WIREWATCH_KAFKA_BOOTSTRAP: {BOOTSTRAP}, got 'a:0'"),
        ("WIREWATCH_KAFKA_BOOTSTRAP", "a:65536", f"WIREWATCH_KAFKA_BOOTSTRAP: {BOOTSTRAP}, got 'a:65536'"),
        ("WIREWATCH_KAFKA_BOOTSTRAP", "a b:1", f"WIREWATCH_KAFKA_BOOTSTRAP: {BOOTSTRAP}, got 'a b:1'"),
    ],
)
def test_a_bad_value_names_its_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        Settings()
    assert [str(i) for i in caught.value.issues] == [expected]
    assert caught.value.exit_code == 2


def test_every_bad_value_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_PARTITIONS", "abc")
    monkeypatch.setenv("WIREWATCH_LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError) as caught:
        Settings()
    assert [i.file for i in caught.value.issues] == ["WIREWATCH_PARTITIONS", "WIREWATCH_LOG_LEVEL"]


def test_values_given_in_code_are_checked_the_same_way() -> None:
    with pytest.raises(ConfigError, match=r"^WIREWATCH_KAFKA_BOOTSTRAP: expected host:port"):
        Settings(kafka_bootstrap="localhost")


@pytest.mark.parametrize(
    "bootstrap",
    ["127.0.0.1:9092", "kafka:9092", "a:1,b:2", "a:1, b:2", "[::1]:9092", "broker-1.example.org:65535", ""],
)
def test_good_bootstrap_addresses_are_kept_as_given(monkeypatch: pytest.MonkeyPatch, bootstrap: str) -> None:
    monkeypatch.setenv("WIREWATCH_KAFKA_BOOTSTRAP", bootstrap)
    assert Settings().kafka_bootstrap == bootstrap


@pytest.mark.parametrize("level", ["DEBUG", "info", "Warning", "ERROR", "CRITICAL", "warn"])
def test_log_levels_logging_knows_are_kept_as_given(monkeypatch: pytest.MonkeyPatch, level: str) -> None:
    monkeypatch.setenv("WIREWATCH_LOG_LEVEL", level)
    assert Settings().log_level == level
