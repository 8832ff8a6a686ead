"""Issue #17's whole flow: the console in chromium, ``wirewatch deliver`` and a Slack stand-in.

Three stories reach Slack. In the browser an analyst snoozes the first from its story page
and mutes the second's region from the feed; the updates of all three are then produced,
and only the third's reaches Slack. The audit log names the analyst, and a Slack button
click with a bad signature is refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.console.conftest import Console
from tests.e2e.console.harness import AlertsTopic, ConsoleProcess, add_user, console_env
from tests.e2e.console.stories import Report, story
from tests.e2e.console.test_console_browser import reload_until_listed
from tests.integration.alerts.conftest import HttpReceiver
from wirewatch.processes import stop_process
from wirewatch.records import Alert
from wirewatch.settings import Settings

SIGNING_SECRET = "test-slack-signing-secret-0123456789"
ADMIN, ADMIN_PASSWORD = "adm", "admin password 1234567"
#: how long an update that must not reach Slack is given to (wrongly) get there
QUIET_S = 6.0

CHANNELS = """
version: 1
default: [slack-desk]
channels:
  - name: slack-desk
    type: slack
    webhook_url_env: WIREWATCH_TEST_SLACK_WEBHOOK
    min_severity: low
"""


@pytest.fixture
def slack() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    try:
        yield receiver
    finally:
        receiver.close()


@pytest.fixture
def pipeline(kafka_settings: Settings, tmp_path: Path, slack: HttpReceiver) -> Iterator[Console]:
    """The console (with the Slack signing secret) and ``wirewatch deliver`` on the test's topics."""
    channels = tmp_path / "channels.yaml"
    channels.write_text(CHANNELS, encoding="utf-8")
    env = console_env(
        kafka_settings,
        {
            "WIREWATCH_SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "WIREWATCH_CHANNELS": str(channels),
            "WIREWATCH_TEST_SLACK_WEBHOOK": slack.url,
            "WIREWATCH_DELIVER_METRICS_PORT": "0",
        },
    )
    add_user(env, "ana", "correct horse battery staple 42", role="analyst")
    add_user(env, ADMIN, ADMIN_PASSWORD, role="admin")
    console = ConsoleProcess(env, tmp_path / "console")
    topic = AlertsTopic(kafka_settings)
    log = tmp_path / "deliver.log"
    deliver_env = {**env, "WIREWATCH_DATA_DIR": str(tmp_path / "deliver")}
    with open(log, "wb") as out:
        deliver = subprocess.Popen(
            [sys.executable, "-m", "wirewatch", "deliver", "--channels", str(channels)],
            env=deliver_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = console.start()
        yield Console(url, kafka_settings, console, topic, env)
        assert deliver.poll() is None, f"deliver died:\n{log.read_text(errors='replace')[-3000:]}"
        assert console.alive(), console.tail()
    finally:
        stop_process(deliver, 15.0)
        topic.close()
        console.stop()


def posted(slack: HttpReceiver, marker: str) -> bool:
    return any(marker in r.body for r in slack.accepted())


def wait_posted(slack: HttpReceiver, markers: list[str], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(posted(slack, m) for m in markers):
        if time.monotonic() > deadline:
            missing = [m for m in markers if not posted(slack, m)]
            pytest.fail(
                f"not on Slack within {timeout_s:.0f} s: {missing}; got {len(slack.accepted())} posts"
            )
        time.sleep(0.2)


def revisions(label: str, region: str) -> list[Alert]:
    """Revision 0 and 1 of a story in ``region``; revision 1's newest report has its own URL."""
    return story(
        [
            Report(f"Frappes aériennes sur {region} ({label})", url=f"https://www.example.org/{label}/first"),
            Report(
                f"Nouvelles frappes sur {region} ({label})", url=f"https://www.example.org/{label}/update"
            ),
        ],
        reasons=["new outlet"],
        regions=(region,),
        evidence=((region, "region", region),),
    )


def test_snoozed_and_muted_stories_stay_quiet_only_the_third_reaches_slack(
    pipeline: Console, page: Page, slack: HttpReceiver
) -> None:
    snoozed, muted, told = (
        revisions("snoozed", "Idlib"),
        revisions("muted", "Hama"),
        revisions("told", "Aleppo"),
    )
    pipeline.produce(snoozed[0], muted[0], told[0])
    wait_posted(slack, [f"https://www.example.org/{s}/first" for s in ("snoozed", "muted", "told")])

    pipeline.login(page, "ana", "correct horse battery staple 42")
    reload_until_listed(page, {snoozed[0].alert_id, muted[0].alert_id, told[0].alert_id})

    # snooze the first story from its page
    page.goto(f"{pipeline.url}/stories/{snoozed[0].story_key}")
    controls = page.locator("#story-controls")
    controls.get_by_label("Snooze for").select_option(label="6 h")
    controls.get_by_role("button", name="Snooze").click()
    expect(page.locator("#story-state .snoozed")).to_contain_text("Snoozed by ana until")

    # mute the second story's region from the feed
    page.goto(f"{pipeline.url}/")
    page.locator(f'#alerts tr.alert[data-alert-id="{muted[0].alert_id}"]').get_by_role(
        "link", name="Mute…"
    ).click()
    page.wait_for_url(lambda url: "/silences/new" in url)
    for box in page.locator("#silence-form input[type=checkbox]").all():
        box.set_checked(box.get_attribute("value") == "region=Hama")
    page.get_by_label("Comment (why)").fill("Hama shelling covered by the desk")
    page.get_by_role("button", name="Create silence").click()
    page.wait_for_url(f"{pipeline.url}/stories/{muted[0].story_key}")
    expect(page.locator("#story-state .muted")).to_contain_text("Muted by ana until")

    # the three updates: only the third is told
    pipeline.produce(snoozed[1], muted[1], told[1])
    wait_posted(slack, ["https://www.example.org/told/update"])
    time.sleep(QUIET_S)
    assert not posted(slack, "https://www.example.org/snoozed/update"), (
        "a snoozed story's update reached Slack"
    )
    assert not posted(slack, "https://www.example.org/muted/update"), "a muted region's update reached Slack"

    # the story pages say where each update went
    page.goto(f"{pipeline.url}/stories/{snoozed[0].story_key}")
    expect(page.locator("#revisions")).to_contain_text("held", timeout=20_000)
    target = os.environ.get("WIREWATCH_SCREENSHOT_DIR")  # the README's picture of a snoozed story
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / "console-story-actions.png"), full_page=True)
    page.goto(f"{pipeline.url}/stories/{muted[0].story_key}")
    expect(page.locator("#revisions")).to_contain_text("muted", timeout=20_000)

    # the audit log names the analyst, for both actions
    page.context.clear_cookies()
    pipeline.login(page, ADMIN, ADMIN_PASSWORD)
    page.goto(f"{pipeline.url}/audit?user=ana")
    audit = page.locator("#audit tr.action")
    expect(audit).to_have_count(2)
    expect(page.locator('#audit tr.action[data-kind="snooze"] .actor')).to_contain_text("ana")
    expect(page.locator('#audit tr.action[data-kind="silence"] .actor')).to_contain_text("ana")

    # a Slack button click with a bad signature is refused
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "actions": [{"action_id": "wirewatch:acknowledge"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    for headers in (
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": str(int(time.time()) - 3600), "X-Slack-Signature": "v0=" + "0" * 64},
        {},
    ):
        answer = page.request.post(
            f"{pipeline.url}/slack/actions",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        assert answer.status == 401, f"/slack/actions with {headers} answered {answer.status}"
