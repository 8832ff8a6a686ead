"""The YAML loader refuses hostile input at its line, and reads plain data exactly as YAML 1.2 says."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.config import load_channels
from ingest.config import load_feeds
from wirewatch import configfile
from wirewatch.configfile import MAX_CONFIG_BYTES, MAX_DEPTH, parse_yaml, read_yaml
from wirewatch.errors import ConfigError
from wirewatch.watchlist import load_watchlist, parse_watchlist

DATA = Path(__file__).parent / "data"
ANCHORS = "YAML anchors and aliases are not supported"


def refusal(text: str) -> str:
    """The one line ``parse_yaml`` answers ``text`` with."""
    with pytest.raises(ConfigError) as caught:
        parse_yaml(text, "c.yaml")
    assert len(caught.value.issues) == 1
    return str(caught.value.issues[0])


def test_the_alias_bomb_is_refused_at_its_first_anchor_before_any_alias_is_read() -> None:
    with pytest.raises(ConfigError) as caught:
        read_yaml(DATA / "bomb.yaml")
    # Line 2 defines &a; the aliases that would expand start on line 3 and are never reached.
    assert [str(i) for i in caught.value.issues] == [f"{DATA / 'bomb.yaml'}:2: {ANCHORS}"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: &x 2\n", f"c.yaml:2: {ANCHORS}"),  # an anchor nobody uses
        ("a: 1\nb: *x\n", f"c.yaml:2: {ANCHORS}"),  # an alias of nothing
        ("a: &x [1]\nb: *x\n", f"c.yaml:1: {ANCHORS}"),
        ("- &x {a: 1}\n", f"c.yaml:1: {ANCHORS}"),
        ("a: 1\n<<: {b: 2}\n", "c.yaml:2: YAML merge keys (<<) are not supported"),
        ("a: =\n", "c.yaml:1: '=' means something else in YAML: quote it"),
        (
            "x: !!python/object/apply:os.system [id]\n",
            "c.yaml:1: YAML tag !!python/object/apply:os.system is not supported",
        ),
        ("x: !!python/name:os.system\n", "c.yaml:1: YAML tag !!python/name:os.system is not supported"),
        ("x: !!binary aGk=\n", "c.yaml:1: YAML tag !!binary is not supported"),
        ("x: !!set {a, b}\n", "c.yaml:1: YAML tag !!set is not supported"),
        ("x: !!omap [a: 1]\n", "c.yaml:1: YAML tag !!omap is not supported"),
        ("x:\n  y: !wirewatch/thing {}\n", "c.yaml:2: YAML tag !wirewatch/thing is not supported"),
        ("x: !!map [1]\n", "c.yaml:1: YAML tag !!map is not supported"),
        ("x: !!int abc\n", "c.yaml:1: invalid YAML: cannot read 'abc' as !!int"),
        (f"x: {'7' * 5000}\n", f"c.yaml:1: invalid YAML: cannot read '{'7' * 40}…' as !!int"),
        ("a: 1\na: 2\n", 'c.yaml:2: invalid YAML: found duplicate key "a"'),
        ("? [a, b]\n: c\n", "c.yaml:1: mapping keys must be plain values, not lists or mappings"),
        ("a: 1\n---\nb: 2\n", "c.yaml:2: invalid YAML: expected a single document in the stream"),
        ("a: [1, 2\n", "c.yaml:2: invalid YAML: did not find expected ',' or ']'"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"c.yaml:1: nested deeper than {MAX_DEPTH} levels"),
        # Deep enough to crash the C composer the loader used before.
        ("a:\n  " + "[" * 200_000, f"c.yaml:2: nested deeper than {MAX_DEPTH} levels"),
        (
            "a: 1\nb: \x07\n",
            "c.yaml:2: invalid YAML: unacceptable character #x0007: control characters are not allowed",
        ),
        ("a: 1\nb: \ud800\n", "c.yaml:2: invalid YAML: '\\ud800' is not a character"),
    ],
)
def test_each_refusal_is_one_line_at_the_place_it_starts(text: str, expected: str) -> None:
    assert refusal(text) == expected


def test_nesting_up_to_the_limit_loads() -> None:
    data = parse_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH, "c.yaml").data
    for _ in range(MAX_DEPTH - 1):
        data = data[0]
    assert data == []


def test_text_and_files_over_the_size_limit_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    limit = f"larger than {MAX_CONFIG_BYTES // 2**20} MB, the limit for a configuration file"
    # A device that never ends has a size of 0 to stat: the loader reads one byte past the limit.
    with pytest.raises(ConfigError, match=f"^/dev/zero: {limit}$"):
        read_yaml("/dev/zero")
    monkeypatch.setattr(configfile, "MAX_CONFIG_BYTES", 2**20)
    big = "a: " + "x" * 2**20
    assert refusal(big) == "c.yaml: larger than 1 MB, the limit for a configuration file"
    assert refusal("a: " + "é" * (2**19)) == "c.yaml: larger than 1 MB, the limit for a configuration file"
    (tmp_path / "big.yaml").write_text(big)
    with pytest.raises(ConfigError, match=r"big\.yaml: larger than 1 MB"):
        read_yaml(tmp_path / "big.yaml")


def test_files_that_are_not_utf8_or_not_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes("name: café\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1.yaml: not UTF-8 text \(invalid continuation byte\)$"):
        read_yaml(tmp_path / "latin1.yaml")
    with pytest.raises(ConfigError, match=r": cannot read: Is a directory$"):
        read_yaml(tmp_path)
    with pytest.raises(ConfigError, match=r"nothing.yaml: file not found$"):
        read_yaml(tmp_path / "nothing.yaml")


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("", None),
        ("# only a comment\n", None),
        ("just text", "just text"),
        (
            "- 1\n- 0x1f\n- 0o17\n- 017\n- 1_000\n- -2\n- 1.5\n- 1e3\n- .inf\n- !!int '7'\n- !!float 8\n",
            [1, 31, 15, 17, 1000, -2, 1.5, 1000.0, float("inf"), 7, 8.0],
        ),
        (
            "- ~\n- null\n- \n- true\n- False\n- yes\n- off\n- '3'\n- \"4\"\n- ! 5\n- !!str 6\n",
            [None, None, None, True, False, "yes", "off", "3", "4", 5, "6"],
        ),
        (
            "on: 2024-01-31\nat: 2024-01-31 10:00:00Z\n",
            {
                "on": dt.date(2024, 1, 31),
                "at": dt.datetime(2024, 1, 31, 10, tzinfo=dt.timezone(dt.timedelta(0), "Z")),
            },
        ),
        ("1: one\ntrue: yes\n~: none\n2.5: x\n", {"1": "one", "True": "yes", "None": "none", "2.5": "x"}),
        ("a: |\n  kept\n  lines\nb: >\n  folded\n  text\n", {"a": "kept\nlines\n", "b": "folded text\n"}),
        ("%YAML 1.2\n---\na: [x, {b: c}]\n...\n", {"a": ["x", {"b": "c"}]}),
        ("a:\r\n  - b\r\n", {"a": ["b"]}),
    ],
)
def test_plain_data_reads_as_yaml_1_2_says(text: str, data: Any) -> None:
    assert parse_yaml(text, "c.yaml").data == data


def test_lines_point_at_keys_and_items() -> None:
    doc = parse_yaml(
        "# head\n\nversion: 1\nactors:\n  - name: a\n    aliases: [x,\n      y]\n  -\n    name: b\n", "w"
    )
    assert doc.line_of([]) == 3
    assert doc.line_of(["actors"]) == 4
    assert doc.line_of(["actors", 0, "aliases", 1]) == 7
    assert doc.line_of(["actors", 1]) == 9
    assert doc.line_of(["actors", 1, "name"]) == 9
    assert doc.line_of(["actors", 5, "name"]) == 4  # the deepest node that exists
    assert doc.issue(["nope"], "unknown key 'nope'").line == 3


# Pieces of YAML syntax, so that generated documents reach the parser's deep states, not
# only its first syntax error.
PIECES = st.sampled_from(
    [
        "a",
        "b",
        "1",
        "-1.5",
        "~",
        "true",
        "2024-01-31",
        "<<",
        "=",
        ": ",
        ":",
        "- ",
        "-",
        "? ",
        ",",
        "[",
        "]",
        "{",
        "}",
        "&x ",
        "*x",
        "&y ",
        "*y",
        "!!str ",
        "!!binary ",
        "!!python/object:os.system ",
        "!!set ",
        "!t ",
        "! ",
        "'",
        '"',
        "|\n",
        ">-\n",
        "#c",
        "\n",
        "  ",
        "    ",
        "\t",
        "---\n",
        "...\n",
        "%YAML 1.1\n",
        "%TAG ! tag:x,2000:\n",
        "\\",
        "\x00",
        "\ufeff",
        "é",
        "7" * 4400,
        "x" * 300,
    ]
)
YAMLISH = st.lists(PIECES, max_size=60).map("".join)
NESTED = st.builds(
    lambda depth, opener, closer, tail: opener * depth + closer * (depth // 2) + tail,
    st.integers(0, 3000),
    st.sampled_from(["[", "{a: ", "- ", "  - ", "a:\n  "]),
    st.sampled_from(["", "]", "}", "x"]),
    YAMLISH,
)


def _loads_or_refuses(text: str) -> None:
    try:
        doc = parse_yaml(text, "c.yaml")
    except ConfigError as exc:
        assert exc.issues
        return
    doc.line_of(["a", 0, "b"])  # the second pass for lines takes what the first took


@given(st.one_of(st.text(), YAMLISH, NESTED))
@settings(max_examples=300, deadline=None)
def test_any_text_loads_or_is_refused_with_a_config_error(text: str) -> None:
    _loads_or_refuses(text)


@given(st.one_of(st.text(), YAMLISH, NESTED))
@settings(max_examples=150, deadline=None)
def test_any_watchlist_text_is_valid_or_refused_with_a_config_error(text: str) -> None:
    try:
        parse_watchlist(text)
    except ConfigError:
        pass


@given(st.one_of(st.binary(), YAMLISH.map(str.encode), st.text().map(lambda t: t.encode("utf-16"))))
@settings(max_examples=100, deadline=None)
def test_any_file_given_to_the_loaders_is_valid_or_refused_with_a_config_error(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        path.write_bytes(raw)
        for load in (read_yaml, load_watchlist, load_feeds, load_channels):
            try:
                load(path)
            except ConfigError:
                pass
