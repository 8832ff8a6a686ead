"""``wirewatch dashboard`` and ``wirewatch metrics``: observability as code, printed."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the observability commands to ``app``."""

    @app.command()
    def dashboard() -> None:
        """Print the Grafana dashboard JSON (generated with Grafana's foundation SDK).

        Example (refreshes the committed copy): wirewatch dashboard > deploy/grafana/dashboards/wirewatch.json
        """
        from wirewatch.observability.dashboard import dashboard_json

        typer.echo(dashboard_json(), nl=False)

    @app.command()
    def metrics() -> None:
        """Print the metric catalogue as a markdown table (the README's metrics table).

        Example: wirewatch metrics > metrics.md
        """
        from wirewatch.observability.catalogue import markdown_table

        typer.echo(markdown_table(), nl=False)
