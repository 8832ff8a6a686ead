"""The alerts commands as a user runs them: exit codes, file:line errors, no secrets printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wirewatch.cli import main

from .conftest import HttpReceiver

REPO = Path(__file__).resolve().parents[3]


# The commands set up logging to this test's captured stderr; later tests must not write to it.
pytestmark = pytest.mark.usefixtures("restore_logging")


def test_channels_check_lists_channels_and_why_some_are_disabled(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WIREWATCH_SLACK_OPS_WEBHOOK", raising=False)
    assert main(["channels", "check", str(REPO / "config" / "channels.yaml")]) == 0
    out = capsys.readouterr()
    rows = {row["name"]: row for row in map(json.loads, out.out.splitlines())}
    assert rows["console"]["enabled"] and rows["console"]["default"]
    assert not rows["slack-ops"]["enabled"]
    assert "WIREWATCH_SLACK_OPS_WEBHOOK is not set" in rows["slack-ops"]["disabled_reason"]


def test_channels_check_reports_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "channels.yaml"
    bad.write_text("version: 1\nchannels:\n  - name: x\n    type: slack\n    webhook_url: https://secret\n")
    assert main(["channels", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:5: unknown key 'webhook_url'" in err
    assert f"{bad}:3: missing required key 'webhook_url_env'" in err


def test_channels_test_sends_a_sample_without_printing_the_secret(
    http_receiver: HttpReceiver,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "channels.yaml"
    config.write_text(
        "version: 1\ndefault: [s]\nchannels:\n  - {name: s, type: slack, webhook_url_env: T_URL}\n"
    )
    monkeypatch.setenv("T_URL", http_receiver.url)
    assert main(["channels", "test", "s", "--channels", str(config)]) == 0
    assert len(http_receiver.accepted()) == 1
    posted = json.loads(http_receiver.accepted()[0].body)
    assert posted["text"].startswith("LOW: TEST alert"), "nobody may take the test for a real alert"
    http_receiver.answer(then=403)
    assert main(["channels", "test", "s", "--channels", str(config)]) == 1
    err = capsys.readouterr().err
    assert "s: failed: HTTP 403" in err and "secret-token" not in err


def test_deliver_without_a_broker_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wirewatch.settings import get_settings

    monkeypatch.delenv("WIREWATCH_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.setenv("WIREWATCH_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert main(["deliver", "--channels", str(REPO / "config" / "channels.yaml")]) == 1
    finally:
        get_settings.cache_clear()
    assert "no broker configured" in capsys.readouterr().err


#: Secret URLs that are set but cannot work: the same values written in the file are refused.
NOT_HTTP = [
    "javascript:alert(1)",
    "not a url",
    "ftp://files.example.org/hook",
    "https://",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("value", NOT_HTTP)
@pytest.mark.parametrize(
    "block",
    [
        pytest.param("{name: s, type: slack, webhook_url_env: T_URL}", id="slack"),
        pytest.param("{name: s, type: webhook, url_env: T_URL}", id="webhook"),
    ],
)
def test_channels_check_refuses_a_secret_url_that_is_not_http(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    block: str,
    value: str,
) -> None:
    config = tmp_path / "channels.yaml"
    config.write_text(f"version: 1\ndefault: [c]\nchannels:\n  - {{name: c, type: console}}\n  - {block}\n")
    monkeypatch.setenv("T_URL", value)
    assert main(["channels", "check", str(config)]) == 2
    out = capsys.readouterr()
    rows = {row["name"]: row for row in map(json.loads, out.out.splitlines())}
    assert rows["c"]["enabled"] and not rows["c"]["invalid"]
    assert not rows["s"]["enabled"] and rows["s"]["invalid"]
    assert "T_URL" in rows["s"]["disabled_reason"] and "http(s) URL" in rows["s"]["disabled_reason"]
    assert "T_URL" in out.err
    assert value not in out.out + out.err, "the value is a secret: never printed"
    assert main(["channels", "test", "s", "--channels", str(config)]) == 2
    err = capsys.readouterr().err
    assert "T_URL" in err and value not in err
