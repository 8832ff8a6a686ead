"""docker-compose.yml passes the alerts service the variables something reads, and those only.

The shipped channels file's ``*_env`` keys name what the alerts container needs;
a variable compose passes that nothing reads (as ``WIREWATCH_SMTP_USER`` was,
with the SMTP user and password keys commented out) misleads whoever sets it.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from alerts.config import load_channels
from wirewatch.settings import Settings

REPO = Path(__file__).resolve().parents[3]


def test_compose_passes_the_alerts_service_only_variables_something_reads() -> None:
    compose = YAML(typ="safe").load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    passed = set(compose["services"]["alerts"]["environment"])
    config = load_channels(REPO / "config" / "channels.yaml")
    named = {
        value
        for options in config.channels
        for block in (options.model_dump(), options.model_dump().get("smtp") or {})
        for key, value in block.items()
        if key.endswith("_env") and value
    }
    settings = {f"WIREWATCH_{name.upper()}" for name in Settings.model_fields}
    assert passed - named - settings == set()
    assert named <= passed, "every secret the shipped channels file reads reaches the alerts service"
