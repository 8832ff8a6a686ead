"""Observability as code: the metric catalogue, the Grafana dashboard, Prometheus rules."""
