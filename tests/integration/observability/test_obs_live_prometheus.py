"""The dashboard and the alerting rules, evaluated by a real Prometheus scraping the demo pipeline.

Every panel query must return data, every metric a panel or rule names must be
exported by one of the services, every rule must evaluate without error, and
every ``wirewatch_*`` series the services export must be in the catalogue with
its labels. A panel pointing at a metric nobody exports fails here.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
import pytest

from tests.integration.observability.conftest import PROMETHEUS_DIR, SCRAPE_S, Pipeline, Prometheus, finite
from wirewatch.configfile import read_yaml
from wirewatch.observability.catalogue import CATALOGUE, PROMETHEUS_OWN, metric_names, spec_of
from wirewatch.observability.dashboard import dashboard_json

#: Scrape job → the catalogue's name of the service behind it.
JOB_SERVICE = {
    "wirewatch-ingest": "ingest",
    "wirewatch-processor": "process",
    "wirewatch-alerts": "deliver",
    "wirewatch-console": "console",
}
#: Labels Prometheus adds (job, instance; service from the scrape config) or histograms carry.
ADDED_LABELS = {"__name__", "job", "instance", "service", "le"}
#: Metrics that count what the demo never does: failures, and analysts acting on alerts.
NOT_IN_THE_DEMO = {
    "wirewatch_feed_parse_errors_total",
    "wirewatch_ingest_item_updates_total",  # an item whose text changes in place
    "wirewatch_console_actions_dead_lettered_total",
    "wirewatch_console_slack_refused_total",
    "wirewatch_deliver_held_total",
    "wirewatch_deliver_released_total",
}
#: How long the demo may take to make every panel show something (it releases items over ~90 s).
WARM_UP_S = 75


class Analyst:
    """Uses the demo's console the way people do, so its request and login panels have data."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.http: httpx.Client | None = None
        self.marked = False

    def visit(self) -> None:
        found = self.pipeline.console()
        if found is None:
            return
        url, user, password = found
        if self.http is None:
            self.http = httpx.Client(base_url=url, timeout=10)
        try:
            form = self.http.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            if token:  # not signed in yet: one wrong password, then the right one
                wrong = {"username": user, "password": "not the password", "csrf_token": token[1]}
                self.http.post("/login", data=wrong)
                self.http.post("/login", data={**wrong, "password": password})
            feed = self.http.get("/")
            self.mark_one(feed.text)
            self.http.get("/search", params={"q": "frappes"})
            self.http.get("/api/v1/alerts")  # no token: refused
            self.http.get("/healthz")
        except httpx.TransportError:
            pass

    def mark_one(self, feed: str) -> None:
        """Mark the first alert of the feed not relevant, once: the actions' panels get data."""
        alert = re.search(r'data-alert-id="([^"]+)"', feed)
        token = re.search(r'name="csrf_token" value="([^"]+)"', feed)
        if self.marked or not alert or not token or self.http is None:
            return
        done = self.http.post(
            f"/alerts/{alert[1]}/not-relevant", data={"reason": "a drill", "csrf_token": token[1]}
        )
        self.marked = done.status_code < 400

    def close(self) -> None:
        if self.http is not None:
            self.http.close()


def _targets() -> list[tuple[str, dict[str, Any]]]:
    board = json.loads(dashboard_json())
    return [(p["title"], t) for p in board["panels"] if p["type"] != "row" for t in p["targets"]]


def _variable_queries() -> list[str]:
    return [v["query"] for v in json.loads(dashboard_json())["templating"]["list"]]


def _rules() -> list[dict[str, Any]]:
    return [r for g in read_yaml(PROMETHEUS_DIR / "rules.yml").data["groups"] for r in g["rules"]]


def grafana(expr: str, range_s: float) -> str:
    """``expr`` as Grafana sends it: its variables replaced (``$channel`` = All)."""
    return (
        expr.replace("$__rate_interval", f"{max(15, 4 * SCRAPE_S)}s")
        .replace("$__range", f"{int(range_s) + 1}s")
        .replace("$channel", ".*")
    )


def evaluate(prom: Prometheus, target: dict[str, Any], since: float) -> list[dict[str, Any]]:
    """Run one panel target the way the panel does: instant, or over the range since ``since``."""
    now = time.time()
    expr = grafana(target["expr"], now - since)
    if target.get("instant"):
        return prom.query(expr, at=now)
    return prom.query_range(expr, since, now)


@pytest.fixture(scope="module")
def started(prometheus: Prometheus) -> float:
    """When Prometheus started scraping: the start of every range query."""
    return time.time()


@pytest.fixture(scope="module")
def empty_panels(prometheus: Prometheus, pipeline: Pipeline, started: float) -> list[str]:
    """Panel targets still without data once the demo has had time to fill them (ideally none)."""
    deadline = pipeline.started + WARM_UP_S
    analyst = Analyst(pipeline)
    while True:
        analyst.visit()
        empty = [
            f"{title} [{target['refId']}]: {target['expr']}"
            for title, target in _targets()
            if not finite(evaluate(prometheus, target, started))
        ]
        if not empty or time.time() > deadline:
            analyst.close()
            return empty
        time.sleep(2)


def test_every_panel_query_returns_data(empty_panels: list[str], pipeline: Pipeline) -> None:
    assert empty_panels == [], (
        "panels without data:\n"
        + "\n".join(empty_panels)
        + (f"\n--- pipeline log tail:\n{pipeline.log.read_text()[-2000:]}")
    )


def test_every_scrape_target_is_up(prometheus: Prometheus, empty_panels: list[str]) -> None:
    targets = prometheus.api("targets")["activeTargets"]
    assert {t["labels"]["job"]: t["health"] for t in targets} == dict.fromkeys(JOB_SERVICE, "up")


def test_every_metric_a_panel_or_rule_names_is_exported_by_a_service(
    prometheus: Prometheus, empty_panels: list[str]
) -> None:
    exprs = [t["expr"] for _, t in _targets()] + [r["expr"] for r in _rules()] + _variable_queries()
    names = set().union(*(metric_names(e) for e in exprs))
    assert names, "no metric found in the panels and rules"
    missing = []
    for name in sorted(names):
        jobs = {s["metric"].get("job") for s in prometheus.query(f"count by (job) ({{__name__={name!r}}})")}
        expected = set(JOB_SERVICE) if name in PROMETHEUS_OWN else None
        if not jobs or not jobs <= set(JOB_SERVICE) or (expected and jobs != expected):
            missing.append(f"{name}: exported by {sorted(j for j in jobs if j) or 'nobody'}")
        elif spec := spec_of(name):
            assert {JOB_SERVICE[j] for j in jobs} == spec.services, f"{name} comes from {jobs}"
    assert missing == []


def test_every_rule_evaluates_without_error(prometheus: Prometheus, empty_panels: list[str]) -> None:
    for rule in _rules():
        prometheus.query(rule["expr"])  # fails the test on a PromQL error
    deadline = time.time() + 10
    while True:
        loaded = [r for g in prometheus.api("rules")["groups"] for r in g["rules"]]
        evaluated = [r for r in loaded if not r["lastEvaluation"].startswith("0001")]
        if len(evaluated) == len(loaded) or time.time() > deadline:
            break
        time.sleep(0.5)
    assert {r["name"] for r in loaded} == {r["alert"] for r in _rules()}
    assert {r["name"]: (r["health"], r.get("lastError", "")) for r in loaded} == {
        r["alert"]: ("ok", "") for r in _rules()
    }


def test_the_healthy_demo_pipeline_pages_nobody(prometheus: Prometheus, empty_panels: list[str]) -> None:
    alerts = prometheus.api("alerts")["alerts"]
    assert [(a["labels"]["alertname"], a["state"]) for a in alerts] == []


def test_the_channel_variable_lists_the_configured_channels(
    prometheus: Prometheus, empty_panels: list[str]
) -> None:
    (query,) = _variable_queries()
    (metric,) = metric_names(query)
    channels = prometheus.api("label/channel/values", **{"match[]": metric})
    assert set(channels) == {"console", "archive", "slack-ops", "analysts", "siem"}  # config/channels.yaml


def test_every_exported_series_is_catalogued_with_its_labels(
    prometheus: Prometheus, empty_panels: list[str], started: float
) -> None:
    series = prometheus.api("series", **{"match[]": '{__name__=~"wirewatch_.+"}', "start": started})
    assert series
    wrong = set()
    seen = set()
    for labels in series:
        name = labels["__name__"]
        spec = spec_of(name)
        if spec is None:
            wrong.add(f"{name}: not in the catalogue")
            continue
        seen.add(spec.name)
        if set(labels) - ADDED_LABELS != set(spec.labels):
            wrong.add(
                f"{name}: labels {sorted(set(labels) - ADDED_LABELS)}, catalogue says {list(spec.labels)}"
            )
        if JOB_SERVICE[labels["job"]] not in spec.services:
            wrong.add(f"{name}: exported by {labels['job']}, catalogue says {sorted(spec.services)}")
        for label, fixed in spec.values.items():
            if label in labels and labels[label] not in fixed:
                wrong.add(f"{name}: {label}={labels[label]!r} is not one of {fixed}")
    assert wrong == set()
    # The demo exercises the catalogue but for counters of failures and of analysts' actions,
    # whose label sets nothing has made yet.
    assert {m.name for m in CATALOGUE} - seen <= NOT_IN_THE_DEMO, ", ".join(
        sorted({m.name for m in CATALOGUE} - seen - NOT_IN_THE_DEMO)
    )
