"""docs/configuration.md is current, says what each key does, and its examples load.

Like the generated dashboard (tests/unit/observability): the committed copy
must be what the generator writes, so a new setting or key cannot go
undocumented. Also: .env.example lists the variables the shipped channels
file names.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel

from alerts.channels.base import ChannelOptions
from alerts.channels.registry import ChannelRegistry
from alerts.config import ChannelsFile, RetryPolicy, parse_channels
from ingest.config import Defaults, FeedConfig, FeedsConfig, Limits, load_feeds
from wirewatch import configdoc, configdoc_text, watchlist
from wirewatch.configfile import parse_yaml
from wirewatch.settings import Settings
from wirewatch.watchlist import parse_watchlist

REPO = Path(__file__).resolve().parents[3]


def test_docs_configuration_md_is_what_the_generator_writes() -> None:
    assert configdoc.TARGET == REPO / "docs" / "configuration.md"
    assert configdoc.render() == configdoc.TARGET.read_text(encoding="utf-8"), (
        "docs/configuration.md is stale: run `python -m wirewatch.configdoc`"
    )
    assert configdoc.main(["--check"]) == 0


def _channel_models() -> list[type[BaseModel]]:
    registry = ChannelRegistry.default(plugins=False)
    options = [registry.get(name).Options for name in registry]
    nested = [
        f.annotation
        for o in options
        for f in o.model_fields.values()
        if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)
    ]
    return [ChannelsFile, RetryPolicy, ChannelOptions, *options, *nested]


MODELS: list[type[BaseModel]] = [
    Settings,
    watchlist.Watchlist,
    watchlist.Actor,
    watchlist.Region,
    watchlist.Escalation,
    watchlist.Terms,
    watchlist.Rule,
    watchlist.When,
    FeedsConfig,
    Defaults,
    Limits,
    FeedConfig,
    *_channel_models(),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_key_says_what_it_does(model: type[BaseModel]) -> None:
    # A channel type's keys of every channel are documented once, under "Every channel".
    common = ChannelOptions.model_fields if model is not ChannelOptions else {}
    skip = common if issubclass(model, ChannelOptions) else {}
    missing = [n for n, f in model.model_fields.items() if n not in skip and not f.description]
    assert missing == [], f"{model.__name__}: add description= to {missing}"


def test_the_reference_names_every_setting_and_channel_type() -> None:
    doc = configdoc.render()
    for name in Settings.model_fields:
        assert f"| `WIREWATCH_{name.upper()}` |" in doc
    for type_name in ChannelRegistry.default(plugins=False):
        assert f"### `type: {type_name}`" in doc
    for key in ("when", "notify", "min_severity", "within", "webhook_url_env", "token_env", "smtp"):
        assert f"| `{key}` |" in doc


def test_the_examples_load(tmp_path: Path) -> None:
    parse_watchlist(configdoc_text.WATCHLIST_EXAMPLE, "example")
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(configdoc_text.FEEDS_EXAMPLE, encoding="utf-8")
    load_feeds(feeds)
    parse_channels(parse_yaml(configdoc_text.CHANNELS_EXAMPLE, "example"))


def test_the_how_to_channel_blocks_load() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", configdoc_text.HOWTO, flags=re.S)
    assert len(blocks) == 2
    for block in blocks:
        text = "version: 1\nchannels:\n  - {name: console, type: console}\n"
        text += textwrap.indent(textwrap.dedent(block), "  ")
        parse_channels(parse_yaml(text, "how-to"))


def test_env_example_lists_every_secret_the_shipped_files_name_without_values() -> None:
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    assigned = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert sorted(assigned) == configdoc.secret_variables()
    assert set(assigned.values()) == {""}
    assert "WIREWATCH_SLACK_BOT_TOKEN" in assigned and "WIREWATCH_SMTP_PASSWORD" in assigned
