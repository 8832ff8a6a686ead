"""The counters of the analysts' actions, on prometheus-client's default registry.

Created once, when this module is first imported; ``/metrics`` of the console serves the
default registry. Each console replica counts what it produced or projected itself, so a
sum over replicas counts a projected record once per replica (``wirewatch_feedback_total``).
"""

from __future__ import annotations

from typing import get_args

from prometheus_client import Counter

from wirewatch.actions import ACTION_KINDS, ActionSource

#: why a Slack request was refused
SLACK_REFUSALS = ("missing", "stale", "bad_signature", "no_secret", "too_large")
#: why an action record was dead-lettered or skipped
DEAD_LETTER_REASONS = ("unknown_target", "undecodable")

ACTIONS = Counter(
    "wirewatch_console_actions",
    "Actions the console produced (acknowledged by the broker), by kind and source.",
    ["kind", "source"],
)
SLACK_REFUSED = Counter(
    "wirewatch_console_slack_refused",
    "Requests to /slack/actions refused (401; 413 when too large), by reason.",
    ["reason"],
)
DEAD_LETTERED = Counter(
    "wirewatch_console_actions_dead_lettered",
    "Action records the console skipped: unknown story or alert (dead-lettered), undecodable.",
    ["reason"],
)
FEEDBACK = Counter(
    "wirewatch_feedback",
    "Not-relevant marks projected by this console replica, per rule, entity and alias matched.",
    ["rule", "entity", "alias"],
)


def count_feedback(action: object) -> None:
    """Count a newly projected not_relevant mark once per (rule, entity, alias) of its evidence."""
    from wirewatch.actions import Action

    if not isinstance(action, Action) or action.kind != "not_relevant":
        return
    pairs = {(e.entity, e.alias) for e in action.evidence} or {("", "")}
    for rule in action.rules or [""]:
        for entity, alias in sorted(pairs):
            FEEDBACK.labels(rule, entity, alias).inc()


#: every collector of this module (the catalogue test reads their names and labels)
COLLECTORS = (ACTIONS, SLACK_REFUSED, DEAD_LETTERED, FEEDBACK)

# exported at 0 from the start, so the dashboard's panels show 0 rather than no data
for _kind in ACTION_KINDS:
    for _source in get_args(ActionSource):
        ACTIONS.labels(_kind, _source)
