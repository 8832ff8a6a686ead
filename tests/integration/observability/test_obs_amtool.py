"""amtool (Debian's `prometheus-alertmanager`) accepts the compose Alertmanager config and routes pages."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.integration.observability.conftest import tool

CONFIG = Path(__file__).resolve().parents[3] / "deploy" / "alertmanager" / "alertmanager.yml"


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("amtool"), *args], capture_output=True, text=True, timeout=60, check=False)


def test_amtool_accepts_the_config() -> None:
    done = amtool("check-config", str(CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout and "1 inhibit rules" in done.stdout


def test_amtool_rejects_a_broken_config(tmp_path: Path) -> None:
    # Not vacuous: a receiver the route does not define is refused.
    broken = tmp_path / "alertmanager.yml"
    broken.write_text(CONFIG.read_text().replace("receiver: operators", "receiver: nobody", 1))
    done = amtool("check-config", str(broken))
    assert done.returncode != 0


def test_every_page_reaches_the_operators() -> None:
    for labels in (["severity=critical", "service=ingest"], ["severity=warning", "service=alerts"]):
        done = amtool("config", "routes", "test", f"--config.file={CONFIG}", *labels)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.strip() == "operators"
