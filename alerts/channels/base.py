"""The channel contract every delivery target follows (apprise style).

A channel is a small class with a ``type`` name, an ``Options`` model (its
block of ``channels.yaml``), ``from_config()`` and two coroutines:

- ``send(alert)`` — one message for one alert;
- ``send_batch(alerts, digest=...)`` — one message listing several alerts
  (a Slack burst folded into one post, or a digest).

Both return a ``Delivery`` and never raise for a remote failure: a refused,
throttled or unreachable server is a failed ``Delivery`` with a reason, an
optional ``retry_after`` hint and ``permanent`` when retrying cannot help.
Secrets (webhook URLs, passwords, HMAC keys) are ``SecretStr`` and never
appear in a reason, a log line or a ``repr``.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from alerts.render.links import ActionLinks
from wirewatch.durations import Duration
from wirewatch.errors import DeliveryError
from wirewatch.records import Alert, Severity

CHANNEL_NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class ChannelOptions(BaseModel):
    """Keys every channel block has; each channel type subclasses it with its own.

    ``digest`` (seconds) turns the channel into a digest: alerts are kept in
    the ledger and sent together once per interval.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=CHANNEL_NAME, description="what rules' notify lists call it: a-z, 0-9, - and _, 63 at most"
    )
    type: str = Field(description="slack, email, webhook, console, file, or a plug-in's type")
    min_severity: Severity = Field(default="low", description="alerts below this severity skip the channel")
    digest: Duration | None = Field(
        default=None, description="send one message listing the alerts of each interval instead of one each"
    )
    never_mute: bool = Field(
        default=False,
        description="a critical alert is sent here even when a silence matches it, unless an admin made it",
    )


@dataclass(frozen=True)
class ChannelContext:
    """What ``from_config`` may read besides its block: the environment and the data directory."""

    env: Mapping[str, str] = field(default_factory=dict)
    #: relative paths in channel blocks (the ``file`` channel) are under it
    data_dir: Path = Path("var")
    #: the console's action links (Slack, email); none configured by default
    links: ActionLinks = field(default_factory=ActionLinks)


@dataclass(frozen=True)
class Delivery:
    """Outcome of one send: ``ok``, or why not and whether trying again may help."""

    channel: str
    ok: bool
    reason: str = ""
    #: seconds the remote asked us to wait (HTTP ``Retry-After``), if it did
    retry_after: float | None = None
    #: the remote refused for good (HTTP 4xx, SMTP 5xx): retrying will not help
    permanent: bool = False

    @classmethod
    def sent(cls, channel: str) -> Delivery:
        """A successful delivery."""
        return cls(channel, True)

    @classmethod
    def failed(
        cls, channel: str, reason: str, retry_after: float | None = None, permanent: bool = False
    ) -> Delivery:
        """A failed delivery; ``reason`` must already be free of secrets."""
        return cls(channel, False, reason[:500], retry_after, permanent)


def redact(text: str, *secrets: SecretStr | str | None) -> str:
    """``text`` with every non-empty secret value replaced by ``<redacted>``.

    Used on exception messages before they become a ``Delivery.reason``:
    some client libraries quote the URL they failed to reach.
    """
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if value:
            text = text.replace(value, "<redacted>")
    return text


def require_env(env: Mapping[str, str], var: str, channel: str) -> SecretStr:
    """The value of ``var`` as a secret; ``DeliveryError`` naming the variable if unset.

    Called by ``from_config``; the error names the variable, never a value.
    """
    value = env.get(var, "")
    if not value:
        raise DeliveryError(f"channel {channel!r} is disabled: environment variable {var} is not set")
    return SecretStr(value)


def _is_http_url(value: str) -> bool:
    # What a URL written in the file must be (``^https?://\S+$``), and a host besides.
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in value)


def secret_url_problem(options: ChannelOptions, env: Mapping[str, str]) -> str | None:
    """Why a URL this channel takes from the environment cannot work, or None.

    Called by ``build_channels`` for every channel once the environment is
    known, before ``from_config``: each key ending in ``url_env``
    (``webhook_url_env``, ``url_env``, a plug-in's own) names a variable that
    must hold an http(s) URL, as a URL written in the file must. The reason
    names the variable, never its value (a webhook URL carries its token).
    An unset variable is not a problem here: ``require_env`` disables the
    channel for that.
    """
    for key, var in options.model_dump().items():
        if key.endswith("url_env") and isinstance(var, str) and env.get(var) and not _is_http_url(env[var]):
            return (
                f"channel {options.name!r} is disabled: "
                f"environment variable {var} does not hold an http(s) URL"
            )
    return None


class Channel(ABC):
    """A configured delivery target. Subclasses set ``type`` and ``Options``."""

    #: the ``type:`` value in channels.yaml
    type: ClassVar[str]
    #: the pydantic model of this channel's block (``extra="forbid"``)
    Options: ClassVar[builtins.type[ChannelOptions]] = ChannelOptions
    #: most alerts one message may carry (folded bursts and digests are chunked to it)
    max_batch: ClassVar[int] = 100
    #: True when a burst of alerts should be folded into one message (Slack)
    folds: ClassVar[bool] = False

    def __init__(self, options: ChannelOptions):
        self.options = options

    @property
    def name(self) -> str:
        return self.options.name

    @classmethod
    def from_config(cls, options: ChannelOptions, context: ChannelContext) -> Self:
        """Build the channel from its validated block, the environment and the data directory.

        Raises ``DeliveryError`` (naming the variable, not its value) when a
        secret the channel needs is not set.
        """
        return cls(options)

    @property
    def rate_key(self) -> str | None:
        """Channels sharing a key share one rate limit (Slack: one per webhook)."""
        return None

    #: least seconds between two messages with the same ``rate_key``
    min_interval: float = 0.0

    @abstractmethod
    async def send(self, alert: Alert) -> Delivery:
        """Deliver one alert; never raises for a remote failure."""

    @abstractmethod
    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        """Deliver several alerts as one message (a folded burst, or a digest)."""

    async def aclose(self) -> None:  # noqa: B027 - most channels hold nothing to close
        """Release connections; called once when the delivery loop stops."""

    def __repr__(self) -> str:
        # Never the options: they may hold a URL with a token in it.
        return f"{type(self).__name__}(name={self.name!r})"


def describe_exception(exc: BaseException, *secrets: SecretStr | str | None) -> str:
    """A short reason for a transport exception, with secrets removed."""
    detail = str(exc).strip()
    text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return redact(text, *secrets)
