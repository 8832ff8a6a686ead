"""The dashboard's console row: is the projection live, what it reads, how fast pages answer.

Kept apart from ``panels.py`` (which lists it last in ``ROWS``) so each module stays small;
the panels are plain data, like the others.
"""

from __future__ import annotations

from wirewatch.observability.panel_types import RATE, PanelSpec, RowSpec, _q, _quantiles

CONSOLE = RowSpec(
    "Analysts' console",
    (
        PanelSpec(
            "Projection",
            "stat",
            (
                _q("min(wirewatch_console_projection_live)", "live", instant=True),
                _q("max(wirewatch_console_projection_lag)", "records behind", instant=True),
            ),
            "Whether every console replica has caught up with the alerts topic (1 = live), and "
            "the most records any replica still has to project.",
            width=4,
            steps=((None, "orange"), (1, "green")),
            mappings={"0": "CATCHING UP", "1": "LIVE"},
        ),
        PanelSpec(
            "Records projected / s",
            "timeseries",
            (
                _q(
                    f"sum by (result) (rate(wirewatch_console_records_total{RATE}))",
                    "{{result}}",
                ),
            ),
            "Alerts-topic records the consoles stored (ok) or skipped as malformed, per second.",
            unit="reqps",
            width=5,
        ),
        PanelSpec(
            "Requests / s by route",
            "timeseries",
            (
                _q(
                    f"sum by (route, status) (rate(wirewatch_console_http_requests_total{RATE}))",
                    "{{route}} {{status}}",
                ),
            ),
            "Pages, API calls and the live feed's connections, by route template and status.",
            unit="reqps",
            width=5,
        ),
        PanelSpec(
            "Request latency",
            "timeseries",
            _quantiles("wirewatch_console_http_request_duration_seconds", 'route!="/events"'),
            "Time to answer a page or API call (the live feed's long-lived streams left out).",
            unit="s",
            width=5,
        ),
        PanelSpec(
            "Logins, tokens, live clients",
            "bargauge",
            (
                _q(
                    "sum by (result) (increase(wirewatch_console_logins_total[$__range]))",
                    "login {{result}}",
                    instant=True,
                ),
                _q(
                    "sum by (result) (increase(wirewatch_console_api_auths_total[$__range]))",
                    "API token {{result}}",
                    instant=True,
                ),
                _q("sum(wirewatch_console_sse_clients)", "live feed clients", instant=True),
            ),
            "Password logins (bad and locked: someone guessing?), API token checks over the range, "
            "and browsers on the live feed now.",
            width=5,
        ),
    ),
)


ACTIONS = RowSpec(
    "Analysts' actions",
    (
        PanelSpec(
            "Silences in force",
            "stat",
            (_q("max(wirewatch_silences_active)", "silences", instant=True),),
            "Silences deliver applies now (matchers over rule, actor, region, escalation, "
            "severity): alerts they match are not pushed until they end.",
            width=4,
            steps=((None, "green"), (1, "orange")),
        ),
        PanelSpec(
            "Alerts held or muted / s",
            "timeseries",
            (
                _q(
                    f"sum by (reason) (rate(wirewatch_deliver_held_total{RATE}))",
                    "{{reason}}",
                ),
                _q(f"sum(rate(wirewatch_deliver_released_total{RATE}))", "released with summary"),
            ),
            "Alerts deliver kept back because a story was acknowledged or snoozed, or a silence "
            "matched; and held updates pushed with their summary when a snooze ended.",
            unit="reqps",
            width=7,
        ),
        PanelSpec(
            "Actions by kind and source",
            "bargauge",
            (
                _q(
                    "sum by (kind, source) (increase(wirewatch_console_actions_total[$__range]))",
                    "{{kind}} ({{source}})",
                    instant=True,
                ),
            ),
            "What analysts did over the range, and from where: console, API, Slack, email links.",
            width=6,
        ),
        PanelSpec(
            "Not relevant, by rule and alias",
            "bargauge",
            (
                _q(
                    "topk(10, sum by (rule, alias) (increase(wirewatch_feedback_total[$__range])))",
                    "{{rule}}: {{alias}}",
                    instant=True,
                ),
            ),
            "The aliases analysts most often marked not relevant: where the watchlist wants "
            "tuning (`wirewatch feedback export --jsonl` lists the cases).",
            width=7,
        ),
    ),
)
