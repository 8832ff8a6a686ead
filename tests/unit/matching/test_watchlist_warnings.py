"""``watchlist check`` warns and ``watchlist apply`` refuses what a valid watchlist gets wrong.

A rule's ``notify`` names are checked against the channels file (a typo would
send its alerts silently to the default set), and a watchlist whose rules can
never fire is pointed out. ``apply`` refuses before it needs a broker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wirewatch.cli import main
from wirewatch.settings import get_settings
from wirewatch.watchlist_warnings import check_watchlist

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "config" / "watchlist.yaml"
CHANNELS = REPO / "config" / "channels.yaml"

ESCALATION = "escalations:\n  - {name: air strike, severity: high, terms: {en: [air strike]}}\n"
REGION = "regions:\n  - {name: Idlib}\n"


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No broker and no configured channels file: what is checked comes from the arguments."""
    monkeypatch.delenv("WIREWATCH_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("WIREWATCH_CHANNELS", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def typo_watchlist(tmp_path: Path) -> Path:
    path = tmp_path / "watchlist.yaml"
    text = DEMO.read_text(encoding="utf-8").replace("notify: [slack-ops]\n", "notify: [slak-ops]\n", 1)
    assert "slak-ops" in text
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_check_warns_of_a_notify_typo_with_its_line_and_the_likely_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = typo_watchlist(tmp_path)
    assert run(["watchlist", "check", str(path), "--channels", str(CHANNELS)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"{path}:{line_of(path, 'slak-ops')}: rule 'strikes-on-watched-areas' notifies 'slak-ops', "
        f"which {CHANNELS} does not define (did you mean 'slack-ops'?)"
    )
    assert "ok — " in err[1] and err[2] == f"wirewatch: {path}: 1 warning(s) above"


def test_check_reads_the_configured_channels_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    channels = tmp_path / "channels.yaml"
    channels.write_text("version: 1\nchannels:\n  - {name: slak-ops, type: console}\n")
    monkeypatch.setenv("WIREWATCH_CHANNELS", str(channels))
    get_settings.cache_clear()
    assert run(["watchlist", "check", str(typo_watchlist(tmp_path))]) == 0
    err = capsys.readouterr().err
    assert "notifies 'slack-ops', which" in err and "notifies 'slak-ops'" not in err


def test_the_shipped_watchlist_and_channels_agree(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["watchlist", "check", str(DEMO), "--channels", str(CHANNELS)]) == 0
    assert capsys.readouterr().err.count("\n") == 1  # the "ok" line, no warning


def test_apply_refuses_a_notify_typo_before_it_needs_a_broker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = typo_watchlist(tmp_path)
    assert run(["watchlist", "apply", str(path), "--channels", str(CHANNELS)]) == 2
    err = capsys.readouterr().err
    assert "notifies 'slak-ops'" in err and "not published" in err and "--force" in err
    assert "WIREWATCH_KAFKA_BOOTSTRAP" not in err


def test_apply_force_goes_past_the_refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = typo_watchlist(tmp_path)
    # Past validation the next thing apply needs is a broker: none is configured here.
    assert run(["watchlist", "apply", str(path), "--channels", str(CHANNELS), "--force"]) == 1
    err = capsys.readouterr().err
    assert "notifies 'slak-ops'" in err and "not published" not in err
    assert "WIREWATCH_KAFKA_BOOTSTRAP is not set" in err


def test_apply_refuses_when_the_channels_file_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert run(["watchlist", "apply", str(DEMO), "--channels", str(missing)]) == 2
    assert f"{missing}: file not found: the rules' notify names cannot be checked" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("notify", "channels", "expected"),
    [
        pytest.param("[ops]", "[ops]", [], id="declared"),
        pytest.param("[default]", "[ops]", [], id="default-is-reserved"),
        pytest.param(
            "[opz]", "[ops]", ["'opz', which {ch} does not define (did you mean 'ops'?)"], id="typo"
        ),
        pytest.param("[pager]", "[ops]", ["'pager', which {ch} does not define"], id="no-close-name"),
        pytest.param("[defualt]", "[ops]", ["(did you mean 'default'?)"], id="default-typo"),
    ],
)
def test_notify_names(tmp_path: Path, notify: str, channels: str, expected: list[str]) -> None:
    ch = tmp_path / "channels.yaml"
    names = channels.strip("[]").split(",")
    ch.write_text("version: 1\nchannels:\n" + "".join(f"  - {{name: {n}, type: console}}\n" for n in names))
    wl = tmp_path / "wl.yaml"
    wl.write_text(
        f"version: 1\n{REGION}{ESCALATION}rules:\n  - name: r\n    when: {{regions: any}}\n"
        f"    notify: {notify}\n"
    )
    found = [str(i) for i in check_watchlist(wl, ch).unknown_channels]
    assert len(found) == len(expected)
    for line, want in zip(found, expected, strict=True):
        assert line.startswith(f"{wl}:9: rule 'r' notifies ") and want.format(ch=ch) in line


def test_channels_are_not_read_when_no_rule_names_one(tmp_path: Path) -> None:
    wl = tmp_path / "wl.yaml"
    wl.write_text(f"version: 1\n{REGION}{ESCALATION}")
    assert check_watchlist(wl, tmp_path / "nowhere.yaml").warnings == []


RULE = "rules:\n  - name: r\n    when: {when}\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(f"{REGION}{ESCALATION}", [], id="default-rule-fires"),
        pytest.param(
            REGION,
            [
                ": this watchlist can never alert: the default rule (an escalation next to an actor or "
                "region) cannot fire: the watchlist declares no escalations"
            ],
            id="no-escalations",
        ),
        pytest.param(
            ESCALATION,
            [
                ": this watchlist can never alert: the default rule (an escalation next to an actor or "
                "region) cannot fire: the watchlist declares no actors or regions"
            ],
            id="nothing-to-watch",
        ),
        pytest.param(
            f"{REGION}{ESCALATION}default_rule: false\n",
            [": this watchlist can never alert: default_rule is false and no rules are declared"],
            id="no-rule-at-all",
        ),
        pytest.param(f"{REGION}{RULE.format(when='{regions: any}')}", [], id="rule-without-escalation"),
        pytest.param(
            f"{ESCALATION}{RULE.format(when='{escalations: any, regions: any}')}",
            [
                ":5: rule 'r' can never fire: when.regions is 'any' but the watchlist declares no regions",
                ": this watchlist can never alert: no rule can fire",
            ],
            id="any-of-nothing",
        ),
        pytest.param(
            f"{REGION}{ESCALATION}{RULE.format(when='{regions: any}')}    severity: low\n"
            "    min_severity: high\n",
            [
                ":7: rule 'r' can never fire: its severity low is below its min_severity high",
                ": this watchlist can never alert: no rule can fire",
            ],
            id="fixed-severity-below-minimum",
        ),
        pytest.param(
            f"{REGION}{ESCALATION}{RULE.format(when='{escalations: any}')}    min_severity: critical\n"
            "  - name: s\n    when: {regions: any}\n",
            [":7: rule 'r' can never fire: no escalation it can match reaches its min_severity critical"],
            id="one-rule-never-fires-another-does",
        ),
        pytest.param(
            f"{REGION}{RULE.format(when='{regions: any}')}default_rule: true\n",
            [":7: the default rule can never fire: the watchlist declares no escalations"],
            id="kept-default-rule-without-escalations",
        ),
    ],
)
def test_watchlists_that_can_never_alert(tmp_path: Path, body: str, expected: list[str]) -> None:
    wl = tmp_path / "wl.yaml"
    wl.write_text(f"version: 1\n{body}")
    found = [str(i) for i in check_watchlist(wl, tmp_path / "unused.yaml").never_alerts]
    assert found == [f"{wl}{e}" for e in expected]


def test_check_shows_a_never_alerting_watchlist_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wl = tmp_path / "wl.yaml"
    wl.write_text(f"version: 1\n{REGION}")
    assert run(["watchlist", "check", str(wl)]) == 0
    assert f"{wl}: this watchlist can never alert: " in capsys.readouterr().err
