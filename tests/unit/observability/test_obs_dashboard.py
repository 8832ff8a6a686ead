"""The generated dashboard: committed copy up to date, queries on catalogued metrics, sound layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard as DashboardModel
from ruamel.yaml import YAML

from wirewatch.cli import main
from wirewatch.configfile import read_yaml
from wirewatch.observability.catalogue import PROMETHEUS_OWN, metric_names, spec_of
from wirewatch.observability.dashboard import DATASOURCE, UID, check_names, dashboard_json
from wirewatch.observability.panels import ROWS

REPO = Path(__file__).resolve().parents[3]
COMMITTED = REPO / "deploy" / "grafana" / "dashboards" / "wirewatch.json"
PROVISIONING = REPO / "deploy" / "grafana" / "provisioning"


@pytest.fixture(scope="module")
def board() -> dict[str, Any]:
    return json.loads(dashboard_json())


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in board["panels"] if p["type"] != "row"]


def _exprs(board: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in _panels(board) for t in p["targets"]]


def test_the_committed_dashboard_is_what_wirewatch_dashboard_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["dashboard"]) == 0
    printed = capsys.readouterr().out
    assert printed == COMMITTED.read_text(encoding="utf-8"), (
        "deploy/grafana/dashboards/wirewatch.json is stale: "
        "run `wirewatch dashboard > deploy/grafana/dashboards/wirewatch.json`"
    )


def test_wirewatch_metrics_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics"]) == 0
    assert "| `wirewatch_consumer_lag` | gauge |" in capsys.readouterr().out


def test_the_sdk_reads_the_dashboard_back(board: dict[str, Any]) -> None:
    register_default_plugins()
    model = DashboardModel.from_json(board)
    assert model.uid == UID and model.title == "Wirewatch"
    assert len(model.panels or []) == len(board["panels"])


def test_every_panel_queries_catalogued_metrics_only(board: dict[str, Any]) -> None:
    for expr in _exprs(board):
        names = metric_names(expr)
        assert names, f"no metric in {expr}"
        assert all(n in PROMETHEUS_OWN or spec_of(n) for n in names), expr


def test_a_query_on_an_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="wirewatch_not_exported_total"):
        check_names("sum(rate(wirewatch_not_exported_total[5m]))")


def test_every_panel_has_a_title_a_description_and_a_query(board: dict[str, Any]) -> None:
    for panel in _panels(board):
        assert panel["title"] and panel["description"], panel["title"]
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(set(refs)) == len(refs)


def test_panels_and_queries_use_the_provisioned_datasource(board: dict[str, Any]) -> None:
    provisioned = read_yaml(PROVISIONING / "datasources" / "prometheus.yml").data["datasources"]
    (source,) = [d for d in provisioned if d["type"] == "prometheus"]
    assert source["uid"] == DATASOURCE.uid
    for panel in _panels(board):
        assert panel["datasource"] == {"type": "prometheus", "uid": source["uid"]}
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == source["uid"]
    for variable in board["templating"]["list"]:
        assert variable["datasource"]["uid"] == source["uid"]


def test_the_layout_fits_the_grid_without_overlaps(board: dict[str, Any]) -> None:
    ids = [p["id"] for p in board["panels"]]
    assert len(set(ids)) == len(ids) and 0 not in ids
    taken: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        cells = {
            (x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


# What the issue says the dashboard answers at a glance, and the metric each answer needs.
QUESTIONS = {
    "is every feed fresh": "wirewatch_feed_last_success_timestamp_seconds",
    "items per second by feed and language": "sum by (feed, lang) (rate(wirewatch_ingest_items_total",
    "top matched actors": 'wirewatch_processor_matches_total{kind="actor"}',
    "top matched regions": 'wirewatch_processor_matches_total{kind="region"}',
    "alerts by severity and kind": "sum by (severity, kind) (increase(wirewatch_alerts_emitted_total",
    "publication to delivery p50": "histogram_quantile(0.5, sum by (le) (rate(wirewatch_alert_publication",
    "publication to delivery p95": "histogram_quantile(0.95, sum by (le) (rate(wirewatch_alert_publication",
    "publication to delivery p99": "histogram_quantile(0.99, sum by (le) (rate(wirewatch_alert_publication",
    "are deliveries failing": 'wirewatch_delivery_attempts_total{result!="ok"',
    "is any consumer lagging": "wirewatch_consumer_lag",
    "anything in the dead-letter topics": "wirewatch_delivery_dlq_size",
    "items dead-lettered": "wirewatch_processor_dead_letters_total",
    "is every service up": 'up{job=~"wirewatch-.*"}',
}


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_dashboard_answers(question: str, board: dict[str, Any]) -> None:
    assert any(QUESTIONS[question] in expr for expr in _exprs(board))


def test_the_channel_variable_covers_every_channel(board: dict[str, Any]) -> None:
    (variable,) = board["templating"]["list"]
    assert variable["name"] == "channel" and variable["includeAll"] and variable["allValue"] == ".*"
    assert metric_names(variable["query"]) == {"wirewatch_delivery_channel_enabled"}


def test_the_spec_and_the_json_have_the_same_panels(board: dict[str, Any]) -> None:
    titles = [p.title for row in ROWS for p in row.panels]
    assert [p["title"] for p in _panels(board)] == titles
    assert [p["title"] for p in board["panels"] if p["type"] == "row"] == [r.title for r in ROWS]


def test_grafana_provisioning_loads_the_dashboard_folder_compose_mounts() -> None:
    provider = read_yaml(PROVISIONING / "dashboards" / "wirewatch.yml").data["providers"][0]
    compose = YAML(typ="safe").load(REPO / "docker-compose.yml")  # anchors: not a Wirewatch config
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
    source = read_yaml(PROVISIONING / "datasources" / "prometheus.yml").data["datasources"][0]
    assert source["url"] == "http://prometheus:9090" and "prometheus" in compose["services"]
