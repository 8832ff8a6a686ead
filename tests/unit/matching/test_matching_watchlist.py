"""Watchlist schema v1: the demo loads, every mistake is a ``file:line: message``, the hash is the version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wirewatch.errors import ConfigError
from wirewatch.watchlist import Watchlist, load_watchlist, parse_watchlist

BASE = """\
version: 1
actors:
  - name: Bashar al-Assad
    aliases: [Bachar al-Assad]
    kind: person
    tags: [syria]
regions:
  - name: Idlib
    aliases: [Idleb]
    country: SY
escalations:
  - name: air strike
    severity: high
    terms:
      en: [air strike]
      fr: [frappe aérienne]
"""


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_watchlist(text, "w.yaml")
    return [str(i) for i in caught.value.issues]


def test_the_demo_watchlist_loads(demo_watchlist: Watchlist) -> None:
    names = {a.name for a in demo_watchlist.actors}
    assert {"Russia", "al-Nusra Front", "Islamic State", "al-Qaeda", "Bashar al-Assad"} <= names
    assert {"Hama", "Idlib", "Aleppo", "Deir ez-Zor"} <= {r.name for r in demo_watchlist.regions}
    assert {"air strike", "airspace violation"} <= {e.name for e in demo_watchlist.escalations}
    assert re.fullmatch(r"sha256:[0-9a-f]{12}", demo_watchlist.content_hash)


def test_a_minimal_watchlist_applies_the_default_rule() -> None:
    wl = parse_watchlist(BASE)
    assert wl.uses_default_rule
    assert wl.actors[0].spellings == ("Bashar al-Assad", "Bachar al-Assad")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("kind: person", "kind: person\n    colour: red"), "w.yaml:6: unknown key 'colour'"),
        (("version: 1", "version: 2"), "w.yaml:1: version: Input should be 1"),
        (
            ("aliases: [Idleb]", "aliases: [Idleb, '  ']"),
            "w.yaml:9: regions.aliases: Value error, an alias is empty",
        ),
        (("severity: high", "severity: extreme"), "w.yaml:13: escalations.severity: Input should be"),
        (("  - name: Idlib", "  - name: Bashar al-Assad"), "w.yaml:8: duplicate name: also at line 3"),
        (("aliases: [Idleb]", "aliases: ['--']"), "w.yaml:9: '--' has no letter or digit"),
        (("en: [air strike]", "en: ['* strike']"), "w.yaml:15: term '* strike': '*' must sit between words"),
        (("en: [air strike]", "en: ['air* strike']"), "must be a word of its own"),
        (("      en: [air strike]\n      fr: [frappe aérienne]\n", "      en: []\n"), "no terms"),
    ],
)
def test_mistakes_are_reported_with_their_line(change: tuple[str, str], expected: str) -> None:
    text = BASE.replace(*change)
    assert text != BASE
    assert any(expected in issue for issue in issues(text)), issues(text)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("when: {regions: [Aleppo]}", "w.yaml:19: when.regions: 'Aleppo' is not a name or tag"),
        ("when: {actors: [russia]}", "'russia' is not a name or tag of the watchlist's actors"),
        ("when: {escalations: [shelling]}", "'shelling' is not a name or tag"),
        ("when: {}", "when: give at least one of escalations, actors, regions"),
        ("when: {regions: []}", "when.regions: empty list (use 'any')"),
        ("when: {regions: any}\n    notify: slack", "notify: Input should be a valid list"),
    ],
)
def test_rule_mistakes(rule: str, expected: str) -> None:
    text = BASE + f"rules:\n  - name: r1\n    {rule}\n"
    assert any(expected in issue for issue in issues(text)), issues(text)


def test_rules_may_name_tags_and_any_and_not_reuse_names() -> None:
    ok = BASE + "rules:\n  - name: r1\n    when: {escalations: any, actors: [syria], regions: [Idlib]}\n"
    assert parse_watchlist(ok).rules[0].when.actors == ["syria"]
    twice = ok + "  - name: r1\n    when: {regions: any}\n"
    assert any("duplicate rule name" in i for i in issues(twice))
    default = BASE + "rules:\n  - name: default\n    when: {regions: any}\n"
    assert any("the built-in default rule" in i for i in issues(default))


def test_every_problem_is_listed_not_just_the_first() -> None:
    text = BASE.replace("  - name: Idlib", "  - name: Bashar al-Assad") + (
        "rules:\n  - name: r1\n    when: {regions: [Nowhere]}\n"
    )
    assert len(issues(text)) == 2


def test_the_hash_ignores_layout_and_follows_content() -> None:
    reformatted = "# a comment\n" + BASE.replace("aliases: [Idleb]", "aliases:\n      - Idleb")
    assert parse_watchlist(reformatted).content_hash == parse_watchlist(BASE).content_hash
    changed = BASE.replace("aliases: [Idleb]", "aliases: [Idleb, Edlib]")
    assert parse_watchlist(changed).content_hash != parse_watchlist(BASE).content_hash


def test_load_reads_files_and_names_them(tmp_path: Path) -> None:
    path = tmp_path / "wl.yaml"
    path.write_text(BASE.replace("version: 1", "version: 1\nextra: 2"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_watchlist(path)
    assert str(caught.value.issues[0]) == f"{path}:2: unknown key 'extra'"
    with pytest.raises(ConfigError, match="file not found"):
        load_watchlist(tmp_path / "missing.yaml")


def test_the_watchlist_is_frozen() -> None:
    wl = parse_watchlist(BASE)
    with pytest.raises(ValueError, match="frozen"):
        wl.actors[0].name = "x"  # type: ignore[misc]
