"""The watchlist workbench in Debian's chromium, with a real processor worker behind the console.

The flow of issue #18: type a bad key and see its line's error; fix it; preview and see an
added alert for a stored item; apply with a comment; the page reports the version live on
the worker; a new item alerts under the new version; roll back; a viewer cannot apply.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kafka import KafkaProducer
from playwright.sync_api import Page, expect

from tests.e2e.console.conftest import Console
from tests.support.browser import PageWatch
from wirewatch.processes import stop_process
from wirewatch.records import NewsItem
from wirewatch.topics import Topics
from wirewatch.watchlist_versions import live_version, live_workers

REPO = Path(__file__).resolve().parents[3]
SHIPPED = (REPO / "config" / "watchlist.yaml").read_text(encoding="utf-8")
#: a town the shipped watchlist does not watch; the change under test adds it
NEW_REGION = "  - {name: Jableh, aliases: [Jablé], country: SY}\n"
STRIKE = "Frappes aériennes sur Jablé : 4 morts"


def with_jableh(text: str) -> str:
    head, sep, tail = text.partition("\nregions:\n")
    assert sep
    return head + sep + NEW_REGION + tail


def store_item(console: Console, item_id: str, title: str, ago: timedelta = timedelta(minutes=5)) -> None:
    when = datetime.now(UTC) - ago
    item = NewsItem(
        id=item_id, feed="wire-fr", source="AFP", title=title, lang="fr", published_at=when, fetched_at=when
    )
    producer = KafkaProducer(bootstrap_servers=console.settings.kafka_bootstrap, acks="all")
    try:
        producer.send(
            Topics(console.settings.topic_prefix).items, key=item.id.encode(), value=item.to_bytes()
        )
        producer.flush(30)
    finally:
        producer.close()


def until(check, timeout_s: float, what: str, log: Path | None = None):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            pytest.fail(f"{what} not within {timeout_s:.0f} s\n{tail}", pytrace=False)
        time.sleep(0.3)


@pytest.fixture
def worker(console: Console, tmp_path: Path) -> Iterator[Path]:
    """``wirewatch process`` on the console's topics; it publishes the shipped watchlist first."""
    log = tmp_path / "process.log"
    env = {
        **console.env,
        "WIREWATCH_DATA_DIR": str(tmp_path / "process"),
        "WIREWATCH_PROCESS_METRICS_PORT": "0",
        "WIREWATCH_WATCHLIST": str(REPO / "config" / "watchlist.yaml"),
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wirewatch", "process"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        until(lambda: live_workers(console.settings), 90, "the worker's first status", log)
        yield log
        assert proc.poll() is None, f"the worker died:\n{log.read_text(errors='replace')[-3000:]}"
    finally:
        stop_process(proc, 15.0)


def set_editor(page: Page, text: str) -> None:
    page.evaluate("t => document.querySelector('.CodeMirror').CodeMirror.setValue(t)", text)


def test_edit_preview_apply_live_alert_and_roll_back(
    page: Page, console: Console, worker: Path, watch: PageWatch
) -> None:
    first = until(lambda: live_version(console.settings), 30, "the first version")
    store_item(console, "stored-jableh", STRIKE)
    console.login(page)
    page.goto(f"{console.url}/watchlist")
    expect(page.locator("#live-hash")).to_have_text(first.version)
    expect(page.locator("#rollout")).to_contain_text("live on 1/1 workers")

    # a bad key, typed: its line's error, as the CLI says it, marked in the editor
    lines = SHIPPED.splitlines()
    russia = lines.index("  - name: Russia")
    page.evaluate(
        "n => { const cm = document.querySelector('.CodeMirror').CodeMirror; cm.focus();"
        " cm.setCursor({line: n, ch: 0}); cm.execCommand('goLineEnd'); }",
        russia,
    )
    page.keyboard.press("Enter")
    page.keyboard.type("  colour: red")  # the editor keeps the line above's indent: 2 + 2
    issue = page.locator("#issues li.issue.error")
    expect(issue).to_have_text(f"watchlist:{russia + 2}: unknown key 'colour'")
    expect(page.locator(".CodeMirror .line-error")).to_have_count(1)
    expect(page.locator("#check-summary")).to_contain_text("not applicable")

    # fixed, with the new region: the check is clean again
    set_editor(page, with_jableh(SHIPPED))
    expect(page.locator("#check-summary")).to_contain_text("ok —")
    expect(page.locator("#issues li.issue.error")).to_have_count(0)

    # try: the edited version matches the town, the live one does not
    page.locator("#try-text").fill(STRIKE)
    page.locator("#try-button").click()
    expect(page.locator("#try-edited .explanation")).to_contain_text("Jableh")
    expect(page.locator("#try-edited mark.evidence")).to_contain_text(["Frappes aériennes", "Jablé"])
    expect(page.locator("#try-live .explanation")).not_to_contain_text("Jableh")

    # preview on stored items: the stored strike becomes an alert
    page.locator("#preview-button").click()
    expect(page.locator("#preview[data-state=done]")).to_be_visible(timeout=90_000)
    row = page.locator("#preview-changes tr.change-added")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(STRIKE)  # the item's title, its id on hover
    expect(row.locator("td").nth(1)).to_have_attribute("title", "stored-jableh")
    expect(page.locator("#preview-summary")).to_contain_text("1 added")
    target = os.environ.get("WIREWATCH_SCREENSHOT_DIR")  # the README's picture of the workbench
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / "console-workbench.png"), full_page=True)

    # apply with a comment; the page follows it onto the worker
    page.locator("#comment").fill("watch Jableh after the coast strikes")
    page.locator("#apply-button").click()
    page.wait_for_url("**/watchlist?applied=*")
    applied = page.url.split("applied=", 1)[1]
    expect(page.locator("#live-hash")).to_have_text(applied)
    expect(page.locator("#live-author")).to_have_text(console.user)
    expect(page.locator("#rollout")).to_contain_text("live on 1/1 workers", timeout=60_000)

    # a new item now alerts under the new version, and reaches the console's feed
    store_item(console, "live-jableh", STRIKE + " (bilan)", ago=timedelta(seconds=1))
    page.goto(f"{console.url}/")
    expect(page.locator("#alerts tr.alert", has_text="Jableh")).to_have_count(1, timeout=60_000)

    # roll back: a new version with the first text, the history keeps all three
    page.goto(f"{console.url}/watchlist/history")
    form = page.locator("form.rollback").first
    form.locator("input[name=comment]").fill("too noisy for the desk")
    form.locator("button").click()
    page.wait_for_url("**/watchlist?applied=*")
    expect(page.locator("#live-hash")).to_have_text(first.version)
    expect(page.locator("#live-comment")).to_contain_text("too noisy for the desk")
    page.goto(f"{console.url}/watchlist/history")
    expect(page.locator("#history tr.version")).to_have_count(3)
    watch.assert_clean()  # the editor's script and styles ran under the CSP without a complaint
    assert not watch.csp_violations(), watch.csp_violations()


def test_a_viewer_reads_the_watchlist_but_cannot_apply(page: Page, console: Console, worker: Path) -> None:
    until(lambda: live_version(console.settings), 30, "the first version")
    console.add_user("vera", "viewer password 1234567", "viewer")
    console.login(page, "vera", "viewer password 1234567")
    page.goto(f"{console.url}/watchlist")
    expect(page.locator("label[for=editor]")).to_contain_text("read only")
    expect(page.locator("#apply-button")).to_have_count(0)
    expect(page.locator("#preview-button")).to_have_count(0)
    # and a POST made by hand with a valid CSRF token is refused by role
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(
        f"{console.url}/watchlist/apply", form={"text": SHIPPED, "comment": "x", "csrf_token": token or ""}
    )
    assert answer.status == 403


@pytest.mark.parametrize("javascript", [False])
def test_the_workbench_checks_without_javascript(page: Page, console: Console, worker: Path) -> None:
    until(lambda: live_version(console.settings), 30, "the first version")
    console.login(page)
    page.goto(f"{console.url}/watchlist")
    page.locator("#editor").fill(SHIPPED.replace("  - name: Russia", "  - name: Russia\n    colour: red", 1))
    page.locator("#check-button").click()
    expect(page.locator("#issues li.issue.error")).to_contain_text("unknown key 'colour'")
    # the text is kept for the analyst to fix
    assert "colour: red" in page.locator("#editor").input_value()
