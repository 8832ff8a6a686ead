"""The gate between routing and the lanes: applies the analysts' actions to each routed alert.

For every (alert, channel) the loop asks ``admit``: the gate reads what the ledger knows of
the story on that channel, calls ``holds.decide`` with the follower's state, and

- for a held or muted alert, writes ``held`` / ``muted`` to the ledger (held alerts are
  kept for the summary), publishes its receipt, counts it, and returns None;
- for an alert to send, returns it — with its ``held_by`` note when a hold ended
  (a release) or the severity rose above an acknowledgement.

An alert the ledger already holds as ``held`` or ``muted`` (re-read after a restart) is not
decided again: it stays kept back. ``releases`` is the timer's half: called every few
seconds, it finds stories whose hold has ended with updates still held and returns the
latest held update of each, with the summary, to push. A release in flight is not
started twice; once sent, the ledger drops the story's held updates, so a restart
neither loses nor repeats it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from alerts.config import ChannelsConfig
from alerts.holds import ActionState, StoryView, decide
from alerts.ledger import HELD, MUTED, Ledger
from alerts.metrics import AlertsMetrics
from alerts.receipts import ReceiptSink
from wirewatch.records import Alert, Severity, utcnow

log = logging.getLogger(__name__)


class HoldGate:
    """Decides per (alert, channel) with the current actions; see the module docstring."""

    def __init__(
        self,
        config: ChannelsConfig,
        ledger: Ledger,
        state: ActionState,
        metrics: AlertsMetrics,
        receipts: ReceiptSink | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.config = config
        self.ledger = ledger
        self.state = state
        self.metrics = metrics
        self.receipts = receipts
        self.clock = clock
        #: (channel, story) whose release is queued and not settled yet
        self._releasing: set[tuple[str, str]] = set()
        #: (alert id, channel) of releases, for their receipt
        self.release_ids: set[tuple[str, str]] = set()
        #: alerts admitted and not settled yet, per (channel, story): pushes the ledger has not seen
        self._pending: dict[tuple[str, str], dict[str, tuple[datetime, Severity]]] = {}

    def _view(self, channel: str, story: str) -> StoryView:
        view = self.ledger.story_view(channel, story)
        pending = self._pending.get((channel, story))
        if not pending:
            return view
        return replace(view, pushed=[*view.pushed, *pending.values()])

    def _admitted(self, channel: str, alert: Alert) -> Alert:
        self._pending.setdefault((channel, alert.story_key), {})[alert.alert_id] = (
            self.clock(),
            alert.severity,
        )
        return alert

    def _never_mute(self, channel: str) -> bool:
        options = self.config.get(channel)
        return bool(options is not None and getattr(options, "never_mute", False))

    def _receipt(self, alert: Alert, channel: str, outcome: str, reason: str, action_id: str) -> None:
        if self.receipts is not None:
            self.receipts.publish(alert, channel, outcome, reason, action_id)  # type: ignore[arg-type]

    def admit(self, alert: Alert, channel: str) -> Alert | None:
        """The alert to queue on ``channel`` (maybe with a ``held_by`` note), or None if kept back."""
        status = self.ledger.status(alert.alert_id, channel)
        if status in (HELD, MUTED):
            self.metrics.deliveries.labels(channel, "duplicate").inc()
            return None
        view = self._view(channel, alert.story_key)
        decision = decide(alert, channel, self._never_mute(channel), self.state, self.clock(), view)
        if decision.outcome == "muted":
            if self.ledger.mark_muted(alert, channel, decision.reason):
                self._kept(alert, channel, "muted", decision.reason, decision.action_id, "silenced")
            return None
        if decision.outcome == "held":
            assert decision.kind is not None
            if self.ledger.mark_held(alert, channel, decision.kind, decision.reason):
                self._kept(alert, channel, "held", decision.reason, decision.action_id, decision.kind)
            return None
        if decision.outcome == "release":
            if (channel, alert.story_key) in self._releasing:
                return self._admitted(channel, alert)  # the summary is on its way ahead of this update
            self._start_release(channel, alert)
        return self._admitted(
            channel, alert.model_copy(update={"held_by": decision.note}) if decision.note else alert
        )

    def _kept(self, alert: Alert, channel: str, outcome: str, reason: str, action_id: str, kind: str) -> None:
        self.metrics.held.labels(channel, kind).inc()
        self._receipt(alert, channel, outcome, reason, action_id)
        log.info(
            "%s %s (story %s rev %d) on %s: %s",
            outcome,
            alert.alert_id,
            alert.story_key,
            alert.revision,
            channel,
            reason,
        )

    def _start_release(self, channel: str, alert: Alert) -> None:
        self._releasing.add((channel, alert.story_key))
        self.release_ids.add((alert.alert_id, channel))
        self.metrics.released.labels(channel).inc()

    def settled(self, channel: str, alert: Alert) -> None:
        """A job of the gate's is settled on ``channel``: its story may be released again later."""
        self._releasing.discard((channel, alert.story_key))
        pending = self._pending.get((channel, alert.story_key))
        if pending is not None:
            pending.pop(alert.alert_id, None)
            if not pending:
                del self._pending[(channel, alert.story_key)]

    def _still_held(self, story: str, now: datetime) -> bool:
        # Cheap first look: a story still snoozed or acknowledged has nothing to release yet.
        snooze, ack = self.state.snoozes.get(story), self.state.acks.get(story)
        return bool((snooze is not None and snooze.active(now)) or (ack is not None and ack.active(now)))

    def releases(self, channels: set[str]) -> list[tuple[str, Alert]]:
        """(channel, latest held update with its summary) of every story whose hold has ended."""
        now = self.clock()
        self.metrics.silences_active.set(len(self.state.active_silences(now)))
        out: list[tuple[str, Alert]] = []
        for channel, story in self.ledger.held_stories():
            if channel not in channels or (channel, story) in self._releasing or self._still_held(story, now):
                continue
            view = self._view(channel, story)
            if not view.held:
                continue
            latest = view.held[-1][0]
            if self.ledger.status(latest.alert_id, channel) != HELD:
                continue  # queued for a digest already, or sent
            decision = decide(latest, channel, self._never_mute(channel), self.state, now, view)
            if not decision.sends:
                continue
            self._start_release(channel, latest)
            log.info("releasing %s on %s: %s", latest.alert_id, channel, decision.note)
            out.append(
                (
                    channel,
                    self._admitted(channel, latest.model_copy(update={"held_by": decision.note or None})),
                )
            )
        return out
