"""promtool (Debian's `prometheus` package) accepts the committed configs and rules; the rule tests pass."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.observability.conftest import PROMETHEUS_DIR, tool
from wirewatch.configfile import read_yaml


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("promtool"), *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("config", ["prometheus.yml", "compose.yml"])
def test_promtool_check_config(config: str) -> None:
    done = promtool("check", "config", str(PROMETHEUS_DIR / config))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 1 rule files found" in done.stdout + done.stderr


def test_promtool_check_rules() -> None:
    done = promtool("check", "rules", str(PROMETHEUS_DIR / "rules.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 8 rules found" in done.stdout + done.stderr


def test_promtool_test_rules_every_alert_fires_when_it_should_and_only_then() -> None:
    done = promtool("test", "rules", str(PROMETHEUS_DIR / "rules.test.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_test_rules_can_fail(tmp_path: Path) -> None:
    # Not vacuous: the same tests expecting no page where rules.yml pages must fail.
    tests = read_yaml(PROMETHEUS_DIR / "rules.test.yml").data
    tests["rule_files"] = [str(PROMETHEUS_DIR / "rules.yml")]
    paging = [c for c in tests["tests"] if any(check["exp_alerts"] for check in c["alert_rule_test"])]
    assert len(paging) >= 7, "a case per rule expects a page"
    for case in paging:
        for check in case["alert_rule_test"]:
            check["exp_alerts"] = []
    flipped = tmp_path / "flipped.test.yml"
    flipped.write_text(json.dumps(tests))  # JSON is YAML
    done = promtool("test", "rules", str(flipped))
    assert done.returncode != 0
    for case in paging:
        assert case["name"] in done.stdout + done.stderr, case["name"]
