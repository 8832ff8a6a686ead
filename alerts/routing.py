"""Which channels an alert goes to: the rule's ``notify`` list, else the default set.

Pure: built from the channels config and the names of the enabled channels.

- ``notify`` empty → the default set; ``default`` in it stands for that set.
- A named channel that is disabled (its secret env var is unset) or not
  declared is skipped with a warning; if that leaves none of the named
  channels, the alert goes to the default set instead, so it is not lost.
- Each channel's ``min_severity`` then filters: a low alert does not reach a
  ``min_severity: medium`` channel (that is a choice, not a loss).
- If no channel at all can take the alert (everything it would reach is
  disabled), ``Route.unroutable`` says why and the loop dead-letters it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from alerts.config import ChannelsConfig
from wirewatch.records import DEFAULT_CHANNELS, Alert, severity_rank

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """Where one alert goes, and what was set aside on the way."""

    targets: tuple[str, ...]
    #: routed channels whose min_severity is above the alert's
    filtered: tuple[str, ...] = ()
    #: channels the rule named that are disabled or unknown (the alert fell back to the default set)
    rerouted: tuple[str, ...] = ()
    #: why no channel can take the alert ("" when some can, or all were filtered)
    unroutable: str = ""


def _unique(names: Collection[str]) -> list[str]:
    return list(dict.fromkeys(names))


class Router:
    """Routes alerts for one channels config and one set of enabled channels."""

    def __init__(self, config: ChannelsConfig, enabled: Collection[str], disabled: Mapping[str, str]):
        self._config = config
        self._enabled = set(enabled)
        self._disabled = dict(disabled)
        self._warned: set[str] = set()

    def _warn_once(self, name: str) -> None:
        if name in self._warned:
            return
        self._warned.add(name)
        why = self._disabled.get(name) or f"channel {name!r} is not declared in {self._config.source}"
        log.warning("alerts for %r go to the default set %s: %s", name, list(self._config.default), why)

    def _expand(self, notify: Collection[str]) -> list[str]:
        # ``default`` in a notify list stands for the default set (a rule that named no channel).
        out: list[str] = []
        for name in notify:
            out.extend(self._config.default if name == DEFAULT_CHANNELS else [name])
        return out

    def route(self, alert: Alert) -> Route:
        """The channels ``alert`` must be delivered to."""
        asked = _unique(self._expand(alert.notify)) or list(self._config.default)
        usable = [n for n in asked if n in self._enabled]
        rerouted = tuple(n for n in asked if n not in self._enabled)
        for name in rerouted:
            self._warn_once(name)
        if not usable and alert.notify:
            usable = [n for n in self._config.default if n in self._enabled]
        if not usable:
            reasons = "; ".join(self._disabled.get(n, f"channel {n!r} is not declared") for n in asked)
            return Route((), rerouted=rerouted, unroutable=f"no enabled channel can take it: {reasons}")
        rank = severity_rank(alert.severity)
        targets: list[str] = []
        filtered: list[str] = []
        for name in usable:
            options = self._config.get(name)
            keep = options is None or rank >= severity_rank(options.min_severity)
            (targets if keep else filtered).append(name)
        return Route(tuple(targets), tuple(filtered), rerouted)
