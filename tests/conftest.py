"""Suite-wide fixtures: one real Kafka broker per test session, unique names per test.

The broker is started from the Maven Central jars (``wirewatch.broker``) unless
``WIREWATCH_KAFKA_BOOTSTRAP`` names an existing cluster. If it cannot start,
every test that needs it fails with the reason: integration tests never skip.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from wirewatch.settings import Settings
from wirewatch.topics import ensure_topics

REPO = Path(__file__).resolve().parent.parent

# The suite runs the matching engine's native pass, and fails if it was not built (no silent
# fallback to the Python path, which the matching tests cover on their own).
os.environ.setdefault("WIREWATCH_MATCHING", "native")
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of the session's real Kafka broker."""
    external = os.environ.get("WIREWATCH_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    from wirewatch.broker import LocalBroker
    from wirewatch.errors import WirewatchError

    broker = LocalBroker(
        workdir=tmp_path_factory.mktemp("kafka"),
        cache=Settings().cache,
        say=lambda m: print(f"[kafka] {m}"),
    )
    try:
        broker.start()
    except WirewatchError as exc:
        pytest.fail(f"the test Kafka broker could not start: {exc}", pytrace=False)
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A name unique to this test, usable in topic and group names."""
    base = re.sub(r"[^a-zA-Z0-9]+", "-", request.node.name)[:40].strip("-")
    return f"t-{base}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def kafka_settings(kafka_bootstrap: str, unique: str, tmp_path: Path) -> Settings:
    """Settings pointing at the session broker, with this test's own topics and data dir."""
    settings = Settings(
        kafka_bootstrap=kafka_bootstrap,
        topic_prefix=unique,
        partitions=2,
        data_dir=tmp_path / "var",
    )
    ensure_topics(kafka_bootstrap, settings)
    return settings
