"""The plain-data shapes of the dashboard: queries, panels, rows, and the helpers building them.

``panels.py`` and ``console_panels.py`` describe the rows with these;
``dashboard.py`` turns them into Grafana's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Viz = Literal["stat", "timeseries", "bargauge"]


@dataclass(frozen=True)
class Query:
    """One PromQL target; ``instant`` ones are evaluated once at the end of the range."""

    expr: str
    legend: str = ""
    instant: bool = False


@dataclass(frozen=True)
class PanelSpec:
    """One panel: its visualisation, queries, unit and colour steps (value → colour)."""

    title: str
    viz: Viz
    queries: tuple[Query, ...]
    description: str
    unit: str = "short"
    width: int = 8
    height: int = 8
    steps: tuple[tuple[float | None, str], ...] = ((None, "green"),)
    mappings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowSpec:
    title: str
    panels: tuple[PanelSpec, ...]


def _q(expr: str, legend: str = "", instant: bool = False) -> Query:
    return Query(expr, legend, instant)


RATE = "[$__rate_interval]"


def _quantiles(metric: str, selector: str = "") -> tuple[Query, ...]:
    series = f"{metric}_bucket{{{selector}}}" if selector else f"{metric}_bucket"
    return tuple(
        _q(f"histogram_quantile({q}, sum by (le) (rate({series}{RATE})))", f"p{q * 100:g}")
        for q in (0.5, 0.95, 0.99)
    )
