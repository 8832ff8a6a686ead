"""What is wrong with a valid watchlist: rules that notify nobody, rules that never fire,
spellings two entries share.

Called by ``wirewatch watchlist check`` (which prints the warnings and exits
0) and ``wirewatch watchlist apply`` (which refuses to publish a rule whose
``notify`` names a channel the channels file does not declare, unless
``--force``). A typo in ``notify`` would otherwise be published live and its
alerts silently go to the default set; a watchlist no rule of which can
fire would be published and never alert.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wirewatch.channel_names import notify_names
from wirewatch.configfile import YamlDocument, parse_yaml, read_yaml
from wirewatch.errors import ConfigError, Issue
from wirewatch.records import SEVERITIES, Severity, severity_rank
from wirewatch.watchlist import Rule, Watchlist, homonym_warnings, validate_watchlist


@dataclass(frozen=True)
class CheckedWatchlist:
    """A valid watchlist and its warnings, each ``file:line: message``."""

    watchlist: Watchlist
    #: rules naming a channel the channels file does not declare (``apply`` refuses these)
    unknown_channels: tuple[Issue, ...] = ()
    #: rules, or the whole watchlist, that can never alert
    never_alerts: tuple[Issue, ...] = ()
    #: spellings two entries share (Tripoli in Libya and in Lebanon): matching decides by context
    homonyms: tuple[Issue, ...] = ()

    @property
    def warnings(self) -> list[Issue]:
        """Every warning, in file order (file-wide ones first)."""
        found = [*self.unknown_channels, *self.never_alerts, *self.homonyms]
        return sorted(found, key=lambda i: i.line or 0)


def check_watchlist(path: Path | str, channels: Path | str) -> CheckedWatchlist:
    """Validate the watchlist at ``path`` (``ConfigError`` if invalid) and find its warnings.

    ``channels`` is the channels file the ``notify`` names are checked
    against; it is read only when a rule names a channel.
    """
    return _checked(read_yaml(path), channels)


def check_watchlist_text(text: str, name: str, channels: Path | str) -> CheckedWatchlist:
    """``check_watchlist`` of a text (the console's editor); issues name ``name``."""
    return _checked(parse_yaml(text, name), channels)


def _checked(doc: YamlDocument, channels: Path | str) -> CheckedWatchlist:
    watchlist = validate_watchlist(doc)
    return CheckedWatchlist(
        watchlist,
        tuple(_notify_warnings(watchlist, doc, Path(channels))),
        tuple(_reach_warnings(watchlist, doc)),
        tuple(homonym_warnings(watchlist, doc)),
    )


def _notify_warnings(wl: Watchlist, doc: YamlDocument, channels: Path) -> Iterator[Issue]:
    named = [(i, j, name) for i, rule in enumerate(wl.rules) for j, name in enumerate(rule.notify)]
    if not named:
        return
    try:
        known = notify_names(channels)
    except ConfigError as exc:
        first = exc.issues[0]
        yield Issue(first.file, first.line, f"{first.message}: the rules' notify names cannot be checked")
        return
    for i, j, name in named:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"rule {wl.rules[i].name!r} notifies {name!r}, which {channels} does not define{hint}"
        yield doc.issue(["rules", i, "notify", j], message)


def _reach_warnings(wl: Watchlist, doc: YamlDocument) -> Iterator[Issue]:
    can_fire = False
    for i, rule in enumerate(wl.rules):
        why = _why_never(rule, wl)
        if why:
            yield doc.issue(["rules", i, "name"], f"rule {rule.name!r} can never fire: {why}")
        else:
            can_fire = True
    default_why = ""
    if wl.uses_default_rule:
        if not wl.escalations:
            default_why = "the watchlist declares no escalations"
        elif not (wl.actors or wl.regions):
            default_why = "the watchlist declares no actors or regions"
        else:
            can_fire = True
        if default_why and wl.rules:
            yield doc.issue(["default_rule"], f"the default rule can never fire: {default_why}")
    if can_fire:
        return
    if not wl.rules and not wl.uses_default_rule:
        reason = "default_rule is false and no rules are declared"
    elif not wl.rules:
        reason = f"the default rule (an escalation next to an actor or region) cannot fire: {default_why}"
    else:
        reason = "no rule can fire" + (
            " (the watchlist declares no escalations)" if not wl.escalations else ""
        )
    yield Issue(doc.name, None, f"this watchlist can never alert: {reason}")


def _why_never(rule: Rule, wl: Watchlist) -> str:
    """Why ``rule`` can never fire on any item, or ``""`` if it can."""
    for section, wanted in rule.when.conditions():
        if wanted == "any" and not getattr(wl, section):
            return f"when.{section} is 'any' but the watchlist declares no {section}"
    if rule.severity is not None:
        if rule.min_severity is not None and severity_rank(rule.severity) < severity_rank(rule.min_severity):
            return f"its severity {rule.severity} is below its min_severity {rule.min_severity}"
        return ""
    if rule.min_severity is None:
        return ""
    # Without a fixed severity it is the highest escalation the rule looked at (all, if it named
    # none), else low: the most it can be is the highest such escalation.
    named = rule.when.escalations
    looked_at = [
        e.severity
        for e in wl.escalations
        if named is None or named == "any" or e.name in named or set(e.tags) & set(named)
    ]
    highest: Severity = max(looked_at, key=severity_rank) if looked_at else SEVERITIES[0]
    if severity_rank(highest) < severity_rank(rule.min_severity):
        return f"no escalation it can match reaches its min_severity {rule.min_severity}"
    return ""
