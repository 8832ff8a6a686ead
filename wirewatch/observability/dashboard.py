"""The Grafana dashboard, generated as code with Grafana's foundation SDK.

``wirewatch dashboard`` prints ``dashboard_json()``; the result is committed
as ``deploy/grafana/dashboards/wirewatch.json`` and provisioned by
docker-compose's Grafana. The SDK build is pinned to the Grafana version
docker-compose runs (see pyproject.toml). What the panels show lives in
``panels.py``; this module only lays it out.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, common, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as gd
from grafana_foundation_sdk.builders import prometheus as prom
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

from wirewatch.observability.catalogue import PROMETHEUS_OWN, metric_names, spec_of
from wirewatch.observability.panels import ROWS, PanelSpec

UID = "wirewatch"
TITLE = "Wirewatch"
#: The datasource uid of deploy/grafana/provisioning/datasources/prometheus.yml.
DATASOURCE = dm.DataSourceRef(type_val="prometheus", uid="wirewatch-prometheus")

Builder = stat.Panel | timeseries.Panel | bargauge.Panel


def check_names(expr: str) -> None:
    """Raise ``ValueError`` if ``expr`` names a metric the catalogue does not list."""
    unknown = {n for n in metric_names(expr) if n not in PROMETHEUS_OWN and spec_of(n) is None}
    if unknown:
        raise ValueError(f"query names metrics no service exports: {sorted(unknown)}: {expr}")


def _targets(panel: PanelSpec) -> list[prom.Dataquery]:
    targets = []
    for ref, query in zip("ABCDEFGH", panel.queries, strict=False):
        check_names(query.expr)
        target = prom.Dataquery().expr(query.expr).ref_id(ref).datasource(DATASOURCE)
        if query.legend:
            target = target.legend_format(query.legend)
        targets.append(target.instant() if query.instant else target.range())
    return targets


def _thresholds(panel: PanelSpec) -> gd.ThresholdsConfig:
    steps = [dm.Threshold(value=value, color=colour) for value, colour in panel.steps]
    return gd.ThresholdsConfig().mode(dm.ThresholdsMode.ABSOLUTE).steps(steps)


def _visual(panel: PanelSpec) -> Builder:
    last = common.ReduceDataOptions().calcs(["lastNotNull"]).values(False)
    if panel.viz == "stat":
        return stat.Panel().reduce_options(last).color_mode(cm.BigValueColorMode.BACKGROUND)
    if panel.viz == "bargauge":
        return (
            bargauge.Panel()
            .reduce_options(last)
            .orientation(cm.VizOrientation.HORIZONTAL)
            .display_mode(cm.BarGaugeDisplayMode.GRADIENT)
            .min(0)
        )
    legend = (
        common.VizLegendOptions().display_mode(cm.LegendDisplayMode.LIST).placement(cm.LegendPlacement.BOTTOM)
    )
    return timeseries.Panel().legend(legend).fill_opacity(10).line_width(1).min(0)


def build_panel(panel: PanelSpec) -> Builder:
    """One SDK panel builder for ``panel`` (queries checked against the catalogue)."""
    built = (
        _visual(panel)
        .title(panel.title)
        .description(panel.description)
        .datasource(DATASOURCE)
        .unit(panel.unit)
        .span(panel.width)
        .height(panel.height)
        .thresholds(_thresholds(panel))
    )
    for target in _targets(panel):
        built = built.with_target(target)
    if panel.mappings:
        options = {
            k: dm.ValueMappingResult(text=v, index=i) for i, (k, v) in enumerate(panel.mappings.items())
        }
        built = built.mappings([dm.ValueMap(options=options)])
    return built


def _channel_variable() -> gd.QueryVariable:
    return (
        gd.QueryVariable("channel")
        .label("Channel")
        .description("Delivery channels (from channels.yaml) the delivery panels show.")
        .datasource(DATASOURCE)
        .query("label_values(wirewatch_delivery_channel_enabled, channel)")
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(dm.VariableOption(selected=True, text="All", value="$__all"))
    )


def build_dashboard() -> dm.Dashboard:
    """The whole Wirewatch dashboard model; raises ``ValueError`` for a query naming an unknown metric."""
    board = (
        gd.Dashboard(TITLE)
        .uid(UID)
        .description("Wirewatch pipeline health: feeds, matching, alerts, delivery, Kafka.")
        .tags(["wirewatch", "generated"])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("browser")
        .tooltip(dm.DashboardCursorSync.CROSSHAIR)
        .readonly()
        .with_variable(_channel_variable())
    )
    ids = iter(range(1, 1000))  # stable ids: Grafana links and "view panel" use them
    for row in ROWS:
        board = board.with_row(gd.Row(row.title).id(next(ids)))
        for panel in row.panels:
            board = board.with_panel(build_panel(panel).id(next(ids)))
    return board.build()


def dashboard_json() -> str:
    """The dashboard as Grafana JSON: stable key order, two-space indent, trailing newline."""
    return JSONEncoder(sort_keys=True, indent=2).encode(build_dashboard()) + "\n"
