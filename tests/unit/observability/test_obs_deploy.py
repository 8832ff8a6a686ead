"""deploy/: the two Prometheus configs agree, rules are complete, the SDK build matches Grafana."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from wirewatch.configfile import read_yaml
from wirewatch.observability.catalogue import PORT_SETTINGS, PROMETHEUS_OWN, metric_names, spec_of
from wirewatch.settings import Settings

REPO = Path(__file__).resolve().parents[3]
PROMETHEUS = REPO / "deploy" / "prometheus"
# Docker's file, with anchors and merge keys that Wirewatch's own config loader refuses.
COMPOSE = YAML(typ="safe").load(REPO / "docker-compose.yml")
#: Scrape job → docker-compose service that runs it → the `wirewatch` command it runs.
JOBS = {
    "wirewatch-ingest": "ingest",
    "wirewatch-processor": "processor",
    "wirewatch-alerts": "alerts",
    "wirewatch-console": "console",
}
COMMANDS = {"ingest": "ingest", "processor": "process", "alerts": "deliver", "console": "console"}


def _jobs(path: Path) -> dict[str, dict[str, Any]]:
    config = read_yaml(path).data
    return {job["job_name"]: job["static_configs"][0] for job in config["scrape_configs"]}


def _rules() -> list[dict[str, Any]]:
    return [rule for group in read_yaml(PROMETHEUS / "rules.yml").data["groups"] for rule in group["rules"]]


def test_local_and_compose_configs_scrape_the_same_jobs_with_the_same_labels() -> None:
    local, compose = _jobs(PROMETHEUS / "prometheus.yml"), _jobs(PROMETHEUS / "compose.yml")
    assert set(local) == set(compose) == set(JOBS)
    for job in JOBS:
        assert local[job]["labels"] == compose[job]["labels"]
    for name in ("prometheus.yml", "compose.yml"):
        assert read_yaml(PROMETHEUS / name).data["rule_files"] == ["rules.yml"]


@pytest.mark.parametrize("job", JOBS)
def test_targets_are_the_services_metrics_ports(job: str) -> None:
    service = JOBS[job]
    setting = PORT_SETTINGS[COMMANDS[service]]  # type: ignore[index]
    default = Settings.model_fields[setting].default
    assert _jobs(PROMETHEUS / "prometheus.yml")[job]["targets"] == [f"127.0.0.1:{default}"]
    compose_service = COMPOSE["services"][service]
    assert compose_service["command"] == [COMMANDS[service]]
    port = compose_service["environment"][f"WIREWATCH_{setting.upper()}"]
    assert _jobs(PROMETHEUS / "compose.yml")[job]["targets"] == [f"{service}:{port}"]


def test_compose_mounts_the_compose_config_and_the_rules() -> None:
    volumes = COMPOSE["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus/compose.yml:/etc/prometheus/prometheus.yml:ro" in volumes
    assert "./deploy/prometheus/rules.yml:/etc/prometheus/rules.yml:ro" in volumes


def test_compose_prometheus_pages_through_the_compose_alertmanager() -> None:
    alerting = read_yaml(PROMETHEUS / "compose.yml").data["alerting"]["alertmanagers"]
    assert alerting == [{"static_configs": [{"targets": ["alertmanager:9093"]}]}]
    manager = COMPOSE["services"]["alertmanager"]
    assert (
        "./deploy/alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro" in manager["volumes"]
    )
    assert "alertmanager" in COMPOSE["services"]["prometheus"]["depends_on"]


# The issue's paging conditions, and the rule that covers each.
PAGES = {
    "WirewatchFeedStale": "a feed stale beyond N intervals",
    "WirewatchNoItems": "no items at all for 15 minutes",
    "WirewatchConsumerLagGrowing": "consumer lag growing",
    "WirewatchDeliveryDeadLetters": "DLQ not empty (deliveries)",
    "WirewatchRecordsDeadLettered": "DLQ not empty (poison records)",
    "WirewatchDeliveryFailing": "delivery failure ratio high",
    "WirewatchServiceDown": "a service not answering",
    "WirewatchConsoleProjectionStalled": "a console not projecting the alerts topic",
}


def test_rules_cover_every_paging_condition_of_the_issue() -> None:
    assert {rule["alert"] for rule in _rules()} == set(PAGES)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r["alert"])
def test_each_rule_waits_names_its_severity_and_explains_itself(rule: dict[str, Any]) -> None:
    assert rule["for"], "a blip must not page"
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r["alert"])
def test_each_rule_names_catalogued_metrics_only(rule: dict[str, Any]) -> None:
    names = metric_names(rule["expr"])
    assert names
    assert all(n in PROMETHEUS_OWN or spec_of(n) for n in names), names


def test_the_sdk_build_matches_the_grafana_image_compose_runs() -> None:
    epoch, _, grafana = version("grafana-foundation-sdk").partition("!")
    assert epoch.isdigit() and grafana, "pin a per-Grafana build (<epoch>!<grafana version>)"
    image = COMPOSE["services"]["grafana"]["image"]
    assert image.startswith("grafana/grafana:")
    tag = image.split(":", 1)[1]
    assert tag.split(".")[:2] == grafana.split(".")[:2], f"SDK for Grafana {grafana}, compose runs {tag}"
