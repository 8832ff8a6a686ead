"""``config/channels.yaml`` (version 1): where alerts go and how hard to try.

::

    version: 1
    default: [console]           # channels for alerts whose rule names none
    retry:                       # optional; these are the defaults
      max_attempts: 8            # then the alert is dead-lettered
      initial: 1s                # first backoff, doubled each attempt (± jitter)
      max: 5m                    # longest backoff
    channels:
      - name: slack-ops
        type: slack
        webhook_url_env: WIREWATCH_SLACK_OPS_WEBHOOK
        min_severity: medium
        digest: 15m              # optional, any channel: one message per interval
        never_mute: true         # optional, any channel: a critical alert is sent through a
                                 # silence unless an admin made it (default false)

Each channel block is validated by its type's ``Options`` model (from the
``ChannelRegistry``), with ``extra="forbid"``; every error is reported as
``file:line: message`` and a bad file never half-loads. Secrets are named by
environment variable (``*_env`` keys) and read only when channels are built.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alerts.channels.base import Channel, ChannelContext, ChannelOptions, secret_url_problem
from alerts.channels.registry import ChannelRegistry
from wirewatch.configfile import YamlDocument, load_model, read_yaml
from wirewatch.durations import Duration
from wirewatch.errors import ConfigError, DeliveryError, Issue
from wirewatch.records import DEFAULT_CHANNELS

log = logging.getLogger(__name__)


class RetryPolicy(BaseModel):
    """How often and how patiently a failed delivery is tried again."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(
        default=8, ge=1, le=1000, description="tries, the first included; then the alert is dead-lettered"
    )
    initial: Duration = Field(default=1.0, description="first wait before trying again")
    max: Duration = Field(default=300.0, description="longest wait; a 429's Retry-After is always honoured")
    multiplier: float = Field(
        default=2.0, ge=1.0, le=10.0, description="each wait is the last one times this"
    )
    jitter: float = Field(
        default=0.5, ge=0.0, le=1.0, description="each wait is drawn uniformly in [wait × (1 − jitter), wait]"
    )


class ChannelsFile(BaseModel):
    """The top level of channels.yaml; each channel block is then validated by its type's model."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = Field(description="the file format's version")
    default: list[str] = Field(
        default=["console"],
        min_length=1,
        description="channels for alerts whose rule names none (and for `default` in a rule's notify)",
    )
    retry: RetryPolicy = Field(default=RetryPolicy(), description="how hard to try before dead-lettering")
    channels: list[dict[str, Any]] = Field(
        min_length=1, description="the channel blocks: the keys of every channel plus those of its type"
    )


@dataclass(frozen=True)
class ChannelsConfig:
    """A validated channels.yaml: the default set, the retry policy and each channel's options."""

    default: tuple[str, ...]
    channels: tuple[ChannelOptions, ...]
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    source: str = "<memory>"

    def get(self, name: str) -> ChannelOptions | None:
        """The options of channel ``name``, or None."""
        return next((c for c in self.channels if c.name == name), None)


def _issue_message(error: Any) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}"
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    where = ".".join(str(p) for p in loc)
    if kind == "string_pattern_mismatch":
        return f"{where}: {error['input']!r} is not valid (expected {error['ctx']['pattern']})"
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _channel_options(
    doc: YamlDocument, raw: list[dict[str, Any]], registry: ChannelRegistry
) -> tuple[list[ChannelOptions], list[Issue]]:
    options: list[ChannelOptions] = []
    issues: list[Issue] = []
    for i, entry in enumerate(raw):
        type_name = entry.get("type")
        if not isinstance(type_name, str) or type_name not in registry:
            known = ", ".join(registry)
            where: tuple[str | int, ...] = ("channels", i, "type") if type_name else ("channels", i)
            issues.append(doc.issue(where, f"channel type {type_name!r} is not one of: {known}"))
            continue
        try:
            options.append(registry.get(type_name).Options.model_validate(entry))
        except ValidationError as exc:
            for error in exc.errors():
                loc = [p for p in error["loc"] if not str(p).startswith("function-")]
                issues.append(doc.issue(("channels", i, *loc), _issue_message(error)))
    return options, issues


def _cross_checks(doc: YamlDocument, model: ChannelsFile, options: list[ChannelOptions]) -> Iterable[Issue]:
    seen: set[str] = set()
    for i, opts in enumerate(options):
        if opts.name in seen:
            yield doc.issue(("channels", i, "name"), f"channel name {opts.name!r} is used twice")
        if opts.name == DEFAULT_CHANNELS:
            yield doc.issue(
                ("channels", i, "name"), f"{DEFAULT_CHANNELS!r} is reserved: it names the default set"
            )
        seen.add(opts.name)
    names = {entry.get("name") for entry in model.channels}
    for i, name in enumerate(model.default):
        if name not in names:
            yield doc.issue(("default", i), f"default channel {name!r} is not declared under channels")


def parse_channels(doc: YamlDocument, registry: ChannelRegistry | None = None) -> ChannelsConfig:
    """Validate a parsed channels.yaml; ``ConfigError`` lists every problem."""
    registry = registry or ChannelRegistry.default()
    model = load_model(doc, ChannelsFile)
    options, issues = _channel_options(doc, model.channels, registry)
    if not issues:
        issues = list(_cross_checks(doc, model, options))
    if issues:
        raise ConfigError(sorted(issues, key=lambda i: i.line or 0))
    return ChannelsConfig(tuple(model.default), tuple(options), model.retry, doc.name)


def load_channels(path: Path | str, registry: ChannelRegistry | None = None) -> ChannelsConfig:
    """Read and validate a channels.yaml file. Raises ``ConfigError`` (file:line issues)."""
    return parse_channels(read_yaml(path), registry)


@dataclass
class BuiltChannels:
    """The channels ready to send, and the ones disabled with the reason.

    ``invalid`` holds those of the disabled whose secret is set but cannot
    work (a URL that is not http(s)): a mistake ``channels check`` exits 2 for,
    where an unset variable is a channel deliberately left off.
    """

    enabled: dict[str, Channel]
    disabled: dict[str, str]
    invalid: dict[str, str] = field(default_factory=dict)

    async def aclose(self) -> None:
        """Close every enabled channel's connections."""
        for channel in self.enabled.values():
            await channel.aclose()


def build_channels(
    config: ChannelsConfig,
    context: ChannelContext,
    registry: ChannelRegistry | None = None,
    only: Iterable[str] | None = None,
) -> BuiltChannels:
    """Instantiate every channel (or those named in ``only``).

    A channel whose secret environment variable is unset is *disabled*, not
    fatal: it is logged as a warning naming the variable (never a value) and
    listed in ``disabled``; routing then sends its alerts to the default set.
    A URL taken from the environment that is not http(s) disables it the same
    way, and lists it in ``invalid`` too.
    """
    registry = registry or ChannelRegistry.default()
    wanted = set(only) if only is not None else None
    built = BuiltChannels({}, {})
    for options in config.channels:
        if wanted is not None and options.name not in wanted:
            continue
        problem = secret_url_problem(options, context.env)
        if problem:
            built.disabled[options.name] = built.invalid[options.name] = problem
            log.warning("%s", problem)
            continue
        try:
            built.enabled[options.name] = registry.get(options.type).from_config(options, context)
        except DeliveryError as exc:
            built.disabled[options.name] = str(exc)
            log.warning("%s", exc)
    return built
