"""``wirewatch.durations``: one grammar for every config file and CLI option."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from wirewatch.configfile import load_model, parse_yaml
from wirewatch.durations import UNITS, Duration, parse_duration, seconds
from wirewatch.errors import ConfigError


class Timeouts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout: Duration = 10.0
    digest: Duration | None = None


ACCEPTED = [
    # (text, seconds): what feeds.yaml, channels.yaml and --since each accepted before
    ("30s", 30.0),
    ("5m", 300.0),
    ("2h", 7200.0),
    ("1.5h", 5400.0),
    ("2d", 172800.0),
    ("2w", 1209600.0),  # --since
    ("500ms", 0.5),  # channels.yaml
    ("5 m", 300.0),
    (" 45s ", 45.0),
    ("5M", 300.0),  # feeds.yaml read units in any case
    ("5MS", 0.005),
    ("90", 90.0),  # a bare number is seconds
    ("0.25", 0.25),
    ("1e3", 1000.0),  # channels.yaml let pydantic read bare numbers
    (".5", 0.5),
    ("1_000", 1000.0),
    ("0", 0.0),
]

REFUSED = ["soon", "5x", "5 mins", "m", "", "-1", "-5m", "inf", "nan", "1e999", "5.m", "0x10", "1,5h"]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted(text: str, expected: float) -> None:
    assert seconds(text) == pytest.approx(expected)
    assert parse_duration(text, "--every") == pytest.approx(expected)


@pytest.mark.parametrize("text", REFUSED)
def test_refused_with_what_was_expected(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration like 500ms, 30s, 5m"):
        seconds(text)
    with pytest.raises(ConfigError) as caught:
        parse_duration(text, "--every")
    assert caught.value.exit_code == 2
    assert [str(i) for i in caught.value.issues] == [
        f"--every: expected a duration like 500ms, 30s, 5m, 2h, 7d, 2w or a number of seconds, got {text!r}"
    ]


def test_an_option_may_name_its_alternative() -> None:
    with pytest.raises(ConfigError, match=r"seconds or an ISO-8601 time, got '5x'"):
        parse_duration("5x", "--since", "or an ISO-8601 time")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("15m", 900.0), (90, 90.0), (2.5, 2.5), ("1e3", 1000.0)],
)
def test_the_yaml_type_reads_strings_and_numbers(value: object, expected: float) -> None:
    assert Timeouts.model_validate({"timeout": value}).timeout == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("timeout: soon", "x.yaml:2: timeout: Value error, expected a duration like 500ms"),
        ("timeout: 0s", "x.yaml:2: timeout: Input should be greater than 0"),
        ("timeout: 0", "x.yaml:2: timeout: Input should be greater than 0"),
        ("digest: -5", "x.yaml:2: digest: Input should be greater than 0"),
        ("digest: '-5m'", "x.yaml:2: digest: Value error, expected a duration"),
        ("digest: [5m]", "x.yaml:2: digest: Input should be a valid number"),
    ],
)
def test_a_bad_duration_in_a_file_is_reported_at_its_line(line: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_model(parse_yaml(f"# timeouts\n{line}\n", "x.yaml"), Timeouts)
    assert len(caught.value.issues) == 1
    assert str(caught.value.issues[0]).startswith(message)


amounts = st.one_of(
    st.integers(min_value=0, max_value=10**9).map(str),
    st.tuples(st.integers(0, 10**6), st.integers(0, 999)).map(lambda p: f"{p[0]}.{p[1]:03d}"),
)


@given(
    amount=amounts,
    unit=st.sampled_from(sorted(UNITS)),
    upper=st.booleans(),
    space=st.sampled_from(["", " ", "  "]),
)
def test_a_written_duration_reads_back_as_its_amount_times_its_unit(
    amount: str, unit: str, upper: bool, space: str
) -> None:
    text = f"{space}{amount}{space}{unit.upper() if upper else unit}{space}"
    assert seconds(text) == float(amount) * UNITS[unit]


@given(st.floats(min_value=0, allow_nan=False, allow_infinity=False))
def test_a_number_of_seconds_reads_back_as_itself(value: float) -> None:
    assert seconds(repr(value)) == value
