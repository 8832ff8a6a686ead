"""A URL taken from the environment is held to what the file allows: http(s), or the channel is off.

``build_channels`` checks every ``*url_env`` key once the secrets are read:
a value that is not an http(s) URL disables the channel with one warning
naming the variable (never the value), and lists it in ``invalid``.
"""

from __future__ import annotations

import pytest

from alerts.channels.base import ChannelContext
from alerts.config import BuiltChannels, build_channels, parse_channels
from wirewatch.configfile import parse_yaml


def built(block: str, value: str) -> BuiltChannels:
    text = f"version: 1\ndefault: [c]\nchannels:\n  - {{name: c, type: console}}\n  - {block}\n"
    return build_channels(parse_channels(parse_yaml(text, "channels.yaml")), ChannelContext({"T_URL": value}))


BLOCKS = [
    pytest.param("{name: s, type: slack, webhook_url_env: T_URL}", id="slack"),
    pytest.param("{name: s, type: webhook, url_env: T_URL}", id="webhook"),
]


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize(
    "value", ["javascript:alert(1)", "not a url", "ftp://files.example.org/x", "https://", "https://a b/c"]
)
def test_a_secret_url_that_is_not_http_disables_the_channel_with_one_warning(
    caplog: pytest.LogCaptureFixture, block: str, value: str
) -> None:
    result = built(block, value)
    assert set(result.enabled) == {"c"} and set(result.invalid) == {"s"} and set(result.disabled) == {"s"}
    assert result.invalid["s"] == (
        "channel 's' is disabled: environment variable T_URL does not hold an http(s) URL"
    )
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [result.invalid["s"]]


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("value", ["https://hooks.slack.com/services/T/B/X", "http://127.0.0.1:8080/hook"])
def test_a_secret_http_url_is_accepted(block: str, value: str) -> None:
    result = built(block, value)
    assert set(result.enabled) == {"c", "s"} and not result.invalid and not result.disabled


@pytest.mark.parametrize("block", BLOCKS)
def test_an_unset_variable_still_only_disables(block: str) -> None:
    result = built(block, "")
    assert set(result.disabled) == {"s"} and not result.invalid
