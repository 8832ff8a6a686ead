"""Whether an alert is sent, held or muted on a channel, given the analysts' actions. Pure.

``ActionState`` is what the actions topic says now (the latest record per ``Action.key``);
``decide`` applies it to one alert on one channel, in this order of precedence:

1. **muted** by an active silence whose matchers match the alert and whose channels
   include this one (none listed = every channel) — except a critical alert on a
   ``never_mute`` channel, which only an admin's silence mutes;
2. **held** by an active snooze of the story;
3. **held** by an acknowledgement of the story, unless the alert's severity is above
   the acknowledged one and above every severity pushed since: then it is sent once,
   with a ``held_by`` note saying the severity rose.

When nothing holds any more and updates were held (a snooze ended, an acknowledgement
was cancelled), the alert is sent as a **release**: its ``held_by`` note sums up what
was held (``release_summary``). The reason of a hold names the other actions that
would have held it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from wirewatch.actions import Action, matches
from wirewatch.records import Alert, Severity, severity_rank

DecisionOutcome = Literal["send", "held", "muted", "release"]
#: why an alert was kept back: the ``reason`` label of ``wirewatch_deliver_held_total``
HoldKind = Literal["acknowledged", "snoozed", "silenced"]
HOLD_REASONS: tuple[HoldKind, ...] = ("acknowledged", "snoozed", "silenced")


@dataclass
class ActionState:
    """The latest action per key, as the follower read them (replaced in place)."""

    acks: dict[str, Action] = field(default_factory=dict)
    snoozes: dict[str, Action] = field(default_factory=dict)
    silences: dict[str, Action] = field(default_factory=dict)

    def apply(self, action: Action) -> None:
        """Take ``action`` as the current record of its key (a later record replaces an earlier)."""
        if action.kind == "acknowledge":
            self.acks[action.story_key] = action
        elif action.kind == "snooze":
            self.snoozes[action.story_key] = action
        elif action.kind == "silence":
            self.silences[action.silence_id] = action

    def active_silences(self, now: datetime) -> list[Action]:
        return [s for s in self.silences.values() if s.active(now)]


@dataclass(frozen=True)
class StoryView:
    """What the ledger knows of one story on one channel, for ``decide``."""

    #: (when, severity) of every push of the story on the channel
    pushed: Sequence[tuple[datetime, Severity]] = ()
    #: the last alert of the story pushed on the channel
    last_pushed: Alert | None = None
    #: the alerts held since, oldest first, with the kind that held each
    held: Sequence[tuple[Alert, HoldKind]] = ()


@dataclass(frozen=True)
class Decision:
    """What to do with one alert on one channel; ``note`` is the ``held_by`` of a sent alert."""

    outcome: DecisionOutcome
    reason: str = ""
    action_id: str = ""
    note: str = ""
    #: acknowledged | snoozed | silenced, for a held or muted alert
    kind: HoldKind | None = None

    @property
    def sends(self) -> bool:
        return self.outcome in ("send", "release")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "further notice"


def _silence_reason(silence: Action) -> str:
    comment = f" — {silence.comment.strip()}" if silence.comment.strip() else ""
    return f"muted by {silence.actor} until {_when(silence.ends_at)}{comment}"


def _snooze_reason(snooze: Action) -> str:
    return f"snoozed by {snooze.actor} until {_when(snooze.until)}"


def _ack_reason(ack: Action) -> str:
    return f"acknowledged by {ack.actor} at {_when(ack.at)}"


def _silence_for(
    alert: Alert, channel: str, never_mute: bool, state: ActionState, now: datetime
) -> Action | None:
    for silence in sorted(state.active_silences(now), key=lambda s: s.silence_id):
        if silence.channels and channel not in silence.channels:
            continue
        if not matches(silence.matchers, alert):
            continue
        if alert.severity == "critical" and never_mute and silence.role != "admin":
            continue
        return silence
    return None


def _ack_rise(alert: Alert, ack: Action, view: StoryView) -> Severity | None:
    """The severity the alert rose from, if it is above the acknowledged one and every push since."""
    since = [sev for at, sev in view.pushed if at >= ack.at]
    floor = [ack.severity] if ack.severity else []
    top = max([*floor, *since], key=severity_rank, default=None)
    if top is None or severity_rank(alert.severity) > severity_rank(top):
        return top or ack.severity
    return None


def decide(
    alert: Alert,
    channel: str,
    never_mute: bool,
    state: ActionState,
    now: datetime,
    view: StoryView,
) -> Decision:
    """Send, hold or mute ``alert`` on ``channel`` at ``now``; see the module docstring."""
    silence = _silence_for(alert, channel, never_mute, state, now)
    snooze = state.snoozes.get(alert.story_key)
    snoozing = snooze if snooze is not None and snooze.active(now) else None
    ack = state.acks.get(alert.story_key)
    acked = ack if ack is not None and ack.active(now) else None
    rise = _ack_rise(alert, acked, view) if acked is not None else None
    holding_ack = acked if acked is not None and rise is None else None

    also = [
        r
        for r in (
            _snooze_reason(snoozing) if snoozing else "",
            _ack_reason(holding_ack) if holding_ack else "",
        )
        if r
    ]
    if silence is not None:
        reason = _silence_reason(silence) + (f" (also {'; '.join(also)})" if also else "")
        return Decision("muted", reason, silence.action_id, kind="silenced")
    if snoozing is not None:
        reason = _snooze_reason(snoozing) + (f" (also {_ack_reason(holding_ack)})" if holding_ack else "")
        return Decision("held", reason, snoozing.action_id, kind="snoozed")
    if holding_ack is not None:
        return Decision("held", _ack_reason(holding_ack), holding_ack.action_id, kind="acknowledged")
    if acked is not None and rise is not None:
        note = f"severity rose from {rise} to {alert.severity} since acknowledged by {acked.actor}"
        return Decision("send", note, acked.action_id, note=note)
    if view.held:
        note = release_summary([a for a, _ in view.held], view.last_pushed, alert, _while(view.held))
        ended = snooze if snooze is not None and any(k == "snoozed" for _, k in view.held) else ack
        return Decision("release", note, ended.action_id if ended else "", note=note)
    return Decision("send")


def _while(held: Sequence[tuple[Alert, HoldKind]]) -> str:
    return "snoozed" if any(kind == "snoozed" for _, kind in held) else "acknowledged"


def release_summary(
    held: Sequence[Alert], last_pushed: Alert | None, latest: Alert, what: str = "snoozed"
) -> str:
    """``while snoozed: 4 reports, 2 new outlets, severity high → critical``.

    Reports are the growth of the story's ``report_count`` since the last push (all of them
    when nothing was pushed); outlets are the sources cited by the held alerts and
    ``latest`` that the last push did not cite; the severity change is from the last push.
    """
    alerts = [*held, latest] if all(a.alert_id != latest.alert_id for a in held) else list(held)
    newest = max(alerts, key=lambda a: (a.revision, a.report_count))
    base = last_pushed.report_count if last_pushed is not None else 0
    reports = max(0, newest.report_count - base) or len(alerts)
    known = {i.source for i in last_pushed.items} if last_pushed is not None else set()
    outlets = {i.source for a in alerts for i in a.items} - known
    parts = [f"{reports} report{'s' if reports != 1 else ''}"]
    if outlets:
        parts.append(f"{len(outlets)} new outlet{'s' if len(outlets) != 1 else ''}")
    if last_pushed is not None and last_pushed.severity != newest.severity:
        parts.append(f"severity {last_pushed.severity} → {newest.severity}")
    return f"while {what}: " + ", ".join(parts)
