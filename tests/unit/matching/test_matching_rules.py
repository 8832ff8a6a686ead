"""Rules: the default rule, declared rules by name, tag or ``any``, severities, notify."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from processors.matching import Engine, RuleHit

WATCH = """\
version: 1
actors:
  - {name: Russia, aliases: [russe], tags: [state]}
  - {name: Islamic State, aliases: [Daech], tags: [jihadist]}
regions:
  - {name: Idlib, tags: [north]}
escalations:
  - name: air strike
    severity: high
    terms: {en: [air strike]}
  - name: shelling
    severity: medium
    terms: {en: [shelling]}
  - name: chemical attack
    severity: critical
    terms: {en: [sarin]}
"""

RULES = """\
rules:
  - name: strikes-north
    when: {escalations: [air strike], regions: [north]}
    notify: [slack-ops]
  - name: jihadists
    when: {escalations: any, actors: [jihadist]}
    min_severity: high
    notify: [analysts]
  - name: russia-watch
    when: {actors: [Russia]}
    severity: low
  - name: any-region-shelling
    when: {escalations: [shelling], regions: any}
"""


@pytest.fixture
def plain(engine_of: Callable[[str], Engine]) -> Engine:
    return engine_of(WATCH)


@pytest.fixture
def ruled(engine_of: Callable[[str], Engine]) -> Engine:
    return engine_of(WATCH + RULES)


@pytest.mark.parametrize(
    ("text", "alert", "severity"),
    [
        ("air strike in Idlib", True, "high"),
        ("shelling and sarin near Idlib", True, "critical"),
        ("shelling by Daech", True, "medium"),
        ("air strike somewhere", False, None),  # an escalation alone
        ("Idlib and Daech", False, None),  # names alone
    ],
)
def test_the_default_rule(plain: Engine, text: str, alert: bool, severity: str | None) -> None:
    d = plain.evaluate(text)
    assert (d.alert, d.severity) == (alert, severity)
    assert d.rules == ((RuleHit("default", severity, ()),) if alert else ())


@pytest.mark.parametrize(
    ("text", "fired"),
    [
        ("air strike in Idlib", [("strikes-north", "high", ("slack-ops",))]),
        ("an air strike on Daech positions", [("jihadists", "high", ("analysts",))]),
        ("shelling of Daech positions", []),  # jihadists needs high
        (
            "a russe air strike in Idlib",
            [("strikes-north", "high", ("slack-ops",)), ("russia-watch", "low", ())],
        ),
        ("shelling near Idlib", [("any-region-shelling", "medium", ())]),
        ("sarin and shelling in Idlib", [("any-region-shelling", "medium", ())]),
    ],
)
def test_declared_rules(ruled: Engine, text: str, fired: list[tuple[str, str, tuple[str, ...]]]) -> None:
    d = ruled.evaluate(text)
    assert [(r.name, r.severity, r.notify) for r in d.rules] == fired
    assert d.alert == bool(fired)
    if fired:
        assert d.severity == max((f[1] for f in fired), key=["low", "medium", "high", "critical"].index)


def test_declared_rules_replace_the_default_unless_kept(engine_of: Callable[[str], Engine]) -> None:
    text = "sarin in Idlib"  # only the default rule covers it
    assert not engine_of(WATCH + RULES).evaluate(text).alert
    kept = engine_of(WATCH + RULES + "default_rule: true\n").evaluate(text)
    assert [r.name for r in kept.rules] == ["default"]
    assert kept.severity == "critical"
    dropped = engine_of(WATCH + "default_rule: false\n").evaluate(text)
    assert not dropped.alert


def test_rules_for_names(ruled: Engine) -> None:
    hits = ruled.rules_for(["Islamic State"], ["Idlib"], ["air strike"])
    assert [h.name for h in hits] == ["strikes-north", "jihadists"]
    assert ruled.rules_for([], [], []) == ()
