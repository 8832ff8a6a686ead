"""`wirewatch feeds check`, `feeds preview` and `ingest` as users call them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wirewatch.cli import main

FEEDS = Path(__file__).resolve().parent / "feeds"
REPO = Path(__file__).resolve().parents[3]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_feeds_check_accepts_the_example_list(capsys) -> None:
    code, _, err = run(["feeds", "check", str(REPO / "config" / "feeds.yaml")], capsys)
    assert code == 0 and "valid" in err


def test_feeds_check_prints_file_line_messages_and_exits_2(tmp_path, capsys) -> None:
    bad = tmp_path / "feeds.yaml"
    bad.write_text(
        "version: 1\nfeeds:\n  - id: a\n    url: file:///etc/passwd\n    source: A\n"
        "  - id: b\n    url: http://x.example/\n    source: B\n    every: 5m\n"
    )
    code, out, err = run(["feeds", "check", str(bad)], capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{bad}:4: ") and "http(s)" in lines[0]
    assert lines[1] == f"{bad}:9: unknown key 'every'"


def test_feeds_check_missing_file(tmp_path, capsys) -> None:
    code, _, err = run(["feeds", "check", str(tmp_path / "nope.yaml")], capsys)
    assert code == 2 and "file not found" in err


def test_preview_a_url_prints_json_lines(feed_server, capsys) -> None:
    url = feed_server.add_file("rss2-fr.xml", "/monde/rss.xml")
    code, out, err = run(["feeds", "preview", url], capsys)
    assert code == 0, err
    items = [json.loads(line) for line in out.splitlines()]
    assert len(items) == 4 and "4 item(s)" in err
    assert {i["lang"] for i in items} == {"fr"} and items[0]["feed"] == "preview"
    assert items[0]["url"].startswith(feed_server.url("/monde/2015/10/08/frappes-russes-hama-idleb"))
    assert items[0]["source"] == "127.0.0.1"


def test_preview_a_file_with_a_declared_language(capsys) -> None:
    code, out, _ = run(["feeds", "preview", str(FEEDS / "atom-en.xml"), "--lang", "fr"], capsys)
    assert code == 0
    items = [json.loads(line) for line in out.splitlines()]
    assert len(items) == 3 and {i["lang"] for i in items} == {"fr"}


def test_preview_refuses_other_schemes_and_bad_languages(capsys) -> None:
    code, out, err = run(["feeds", "preview", "file:///etc/passwd"], capsys)
    assert code == 1 and out == "" and "http(s)" in err
    code, _, _ = run(["feeds", "preview", str(FEEDS / "atom-en.xml"), "--lang", "de"], capsys)
    assert code == 2


def test_preview_of_a_failing_url_is_one_line_error(feed_server, capsys) -> None:
    url = feed_server.url("/missing.xml")
    code, out, err = run(["feeds", "preview", url], capsys)
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [f"wirewatch: error: HTTP 404 from {url}"]


def test_ingest_without_a_broker_says_so(tmp_path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("version: 1\nfeeds:\n  - id: a\n    url: http://127.0.0.1:9/\n    source: A\n")
    env = {"PATH": "/usr/bin:/bin", "WIREWATCH_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "wirewatch", "ingest", "--once", "--feeds", str(feeds)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "WIREWATCH_KAFKA_BOOTSTRAP is not set" in done.stderr and "Traceback" not in done.stderr
