"""Process-wide settings, read once from ``WIREWATCH_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wirewatch.errors import ConfigError, Issue
from wirewatch.logs import LEVELS, known_level

#: One broker address of ``WIREWATCH_KAFKA_BOOTSTRAP``: ``host:port`` or ``[v6 address]:port``.
_ADDRESS = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^\s:,\[\]]+):(\d{1,5})")


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wirewatch"


#: ``WIREWATCH_MATCHING``, read where a matching engine is built (processors/matching/native.py).
MatchingMode = Literal["auto", "native", "python"]


def _folded(value: object) -> object:
    # " Native " is native; a value that is none of the modes is shown as it was written.
    if isinstance(value, str) and value.strip().lower() in get_args(MatchingMode):
        return value.strip().lower()
    return value


class Settings(BaseSettings):
    """Every knob that is not a YAML file. Frozen: build a new one to change it.

    Secrets are ``SecretStr`` so they print as ``**********``. A bad value
    raises ``ConfigError`` naming its variable, e.g.
    ``WIREWATCH_PARTITIONS: expected an integer, got 'abc'``.
    """

    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", frozen=True, extra="ignore")

    kafka_bootstrap: str | None = Field(
        default=None, description="host:port[,host:port]; unset = the local broker `up` starts"
    )
    kafka_security_protocol: str = Field(
        default="PLAINTEXT",
        description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, as Kafka clients take it",
    )
    kafka_sasl_mechanism: str | None = Field(
        default=None, description="SASL mechanism, e.g. PLAIN or SCRAM-SHA-512; unset = no SASL"
    )
    kafka_sasl_username: str | None = Field(default=None, description="SASL user name")
    kafka_sasl_password: SecretStr | None = Field(default=None, description="SASL password (never printed)")
    kafka_probe_s: float = Field(
        default=5.0, gt=0, le=300, description="how long a command waits for Kafka to answer at start"
    )

    topic_prefix: str = Field(default="wirewatch", description="topics are <prefix>.items.v1 …")
    partitions: int = Field(default=3, ge=1, description="partitions of the items/alerts topics")
    replication_factor: int = Field(
        default=1,
        ge=1,
        description="copies of each topic partition, set when topics are created: 3 in production "
        "(at least three brokers); 1 suits the single local broker only",
    )
    items_retention_hours: int = Field(default=24 * 14, ge=1, description="kept for backtests")
    watchlist_diff_max_items: int = Field(
        default=200_000, ge=1, description="most stored items `watchlist diff` (and the preview) replays"
    )
    watchlist_diff_max_seconds: float = Field(
        default=300.0, gt=0, description="longest `watchlist diff` (and the preview) replays items for"
    )

    data_dir: Path = Field(
        default=Path("var"), description="state: ingest validators, delivery ledger, the file channel's files"
    )
    cache: Path = Field(
        default_factory=_default_cache,
        description="where `wirewatch broker` keeps the Kafka jars: $XDG_CACHE_HOME/wirewatch, else "
        "~/.cache/wirewatch",
    )
    watchlist: Path = Field(
        default=Path("config/watchlist.yaml"), description="the watchlist a command reads when given none"
    )
    feeds: Path = Field(
        default=Path("config/feeds.yaml"), description="the feed list a command reads when given none"
    )
    channels: Path = Field(
        default=Path("config/channels.yaml"), description="the channels file a command reads when given none"
    )

    broker_port: int = Field(default=0, ge=0, le=65535, description="0 = pick a free port")
    broker_heap: str = Field(default="512m", description="Java heap of the local broker (-Xmx)")

    # Stream processor (see processors/stream/): story grouping, dedup, surges.
    story_idle_gap_hours: float = Field(
        default=6.0, gt=0, description="a story takes no report this long after its last one"
    )
    story_max_span_hours: float = Field(
        default=36.0, gt=0, description="a story never spans more than this from its first report"
    )
    story_text_similarity: float = Field(
        default=0.4, gt=0, le=1, description="same-language text similarity that counts in full"
    )
    story_join_score: float = Field(default=0.5, gt=0, description="evidence a new outlet's report needs")
    story_same_source_score: float = Field(
        default=0.8, gt=0, description="evidence a new report of an outlet already in the story needs"
    )
    dedup_ttl_hours: float = Field(default=48.0, gt=0, description="how long an item id is remembered")
    surge_window_minutes: float = Field(default=30.0, gt=0, description="hopping window size")
    surge_step_minutes: float = Field(default=5.0, gt=0, description="hopping window step")
    surge_baseline_hours: float = Field(default=6.0, gt=0, description="trailing baseline span")
    surge_min_count: int = Field(default=5, ge=1, description="mentions in one window to call a surge")
    surge_factor: float = Field(default=3.0, ge=1, description="times the trailing baseline")
    processor_session_timeout_s: float = Field(
        default=10.0,
        ge=6.0,
        le=300.0,
        description="seconds without heartbeats before a dead worker's partitions move to the others",
    )

    matching: Annotated[MatchingMode, BeforeValidator(_folded)] = Field(
        default="auto",
        description="the per-text matching pass: native when built (auto), required (native), or Python",
    )

    demo_speed: float = Field(default=1.0, gt=0, description="`up --demo` clock speed (tests run it faster)")

    metrics_host: str = Field(
        default="127.0.0.1", description="address /metrics listens on (0.0.0.0 in containers)"
    )
    ingest_metrics_port: int = Field(default=9401, description="/metrics port of `wirewatch ingest`")
    process_metrics_port: int = Field(default=9402, description="/metrics port of `wirewatch process`")
    deliver_metrics_port: int = Field(default=9403, description="/metrics port of `wirewatch deliver`")

    # The analysts' console (console/).
    console_host: str = Field(
        default="127.0.0.1", description="address `wirewatch console` serves on (0.0.0.0 in containers)"
    )
    console_port: int = Field(
        default=9404, ge=0, le=65535, description="port of `wirewatch console`; 0 = pick a free port"
    )
    console_secret: SecretStr | None = Field(
        default=None,
        description="key signing the console's session cookies and CSRF tokens (never printed); unset = "
        "one generated once into <data_dir>/console/secret.key, mode 0600",
    )
    console_secure_cookies: bool | None = Field(
        default=None,
        description="mark the console's cookies Secure: set it when browsers reach the console over https "
        "(behind a TLS proxy); unset = on in production mode, off otherwise; a request that arrives "
        "over https gets them anyway",
    )
    console_session_hours: float = Field(
        default=12.0, gt=0, le=24 * 30, description="how long a console login lasts"
    )
    console_mode: Literal["demo", "production"] = Field(
        default="demo",
        description="production: the console refuses to start without WIREWATCH_CONSOLE_SECRET (one line, "
        "exit 2) and marks its cookies Secure unless told otherwise; demo: a missing secret is "
        "generated once into the key file",
    )
    console_metrics_port: int = Field(default=9405, description="/metrics port of `wirewatch console`")
    console_trusted_header: str | None = Field(
        default=None,
        description="behind an authenticating proxy: the request header naming the signed-in user "
        "(X-Forwarded-User); unset = off. The user must exist in the console's accounts and be enabled",
    )
    console_trusted_proxies: str = Field(
        default="",
        description="comma-separated addresses or networks (10.0.0.5, 10.1.0.0/16) whose requests may "
        "carry the trusted header; from any other address the header is ignored",
    )

    console_url: str | None = Field(
        default=None,
        description="the console's address as analysts' browsers reach it (https://wirewatch.example.org); "
        "set, deliver puts action links in emails and Slack messages",
    )
    action_link_secret: SecretStr | None = Field(
        default=None,
        description="key signing the single-use action links of emails and Slack messages; the same "
        "value for deliver and the console (never printed); unset = no links",
    )
    action_link_hours: float = Field(
        default=72.0,
        gt=0,
        le=24 * 30,
        description="how long an action link in an email or Slack message stays valid",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        description="Slack app's signing secret: the console verifies button clicks posted to "
        "/slack/actions with it (never printed); unset = /slack/actions refuses everything",
    )

    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")

    def kafka_client_config(self) -> dict[str, object]:
        """Security settings shared by kafka-python and aiokafka clients."""
        config: dict[str, object] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_sasl_mechanism:
            config["sasl_mechanism"] = self.kafka_sasl_mechanism
            config["sasl_plain_username"] = self.kafka_sasl_username
            if self.kafka_sasl_password is not None:
                config["sasl_plain_password"] = self.kafka_sasl_password.get_secret_value()
        return config

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _settings_error(exc) from None

    @field_validator("kafka_bootstrap")
    @classmethod
    def _bootstrap(cls, value: str | None) -> str | None:
        for address in value.split(",") if value else ():
            found = _ADDRESS.fullmatch(address.strip())
            if found is None or not 0 < int(found[2]) <= 65535:
                raise ValueError("expected host:port[,host:port…]")
        return value

    @field_validator("console_trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                try:
                    ipaddress.ip_network(part.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"expected IP addresses or networks, got {part.strip()!r}") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if not known_level(value):
            raise ValueError(f"expected one of {', '.join(LEVELS)}")
        return value


#: What a value that does not parse should have been, by pydantic error type.
_EXPECTED = {
    "int_parsing": "expected an integer",
    "int_from_float": "expected an integer",
    "float_parsing": "expected a number",
    "bool_parsing": "expected true or false",
}


def _settings_error(exc: ValidationError) -> ConfigError:
    """One ``WIREWATCH_NAME: expected …, got '…'`` issue per bad value (secrets not shown)."""
    issues = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        message = error["msg"].removeprefix("Value error, ")
        if message.startswith("Input should be "):
            message = "expected " + message.removeprefix("Input should be ")
        message = _EXPECTED.get(error["type"], message)
        annotation = Settings.model_fields[field].annotation if field in Settings.model_fields else None
        if SecretStr not in (annotation, *get_args(annotation)):
            message += f", got {error['input']!r}"
        issues.append(Issue(f"WIREWATCH_{field.upper()}" if field else "settings", None, message))
    return ConfigError(issues)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment on first use."""
    return Settings()
