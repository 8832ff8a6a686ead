"""Acting on alerts in a real browser: Debian's chromium, a real broker, ``wirewatch console``.

Each test has its own topics and console process (conftest.py); alerts reach the console by
the alerts topic, and actions leave it by the actions topic, as in production. The pages are
driven through what a user sees: button names, field labels, text.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import APIResponse, Page, expect

from console.web.slack import slack_signature
from tests.e2e.console.conftest import PASSWORD, USER, Console
from tests.e2e.console.harness import AlertsTopic, ConsoleProcess, add_user, console_env, wirewatch
from tests.e2e.console.stories import single
from tests.e2e.console.test_console_browser import (
    ACTIONS,
    LIVE_BOUND_S,
    connect_live,
    reload_until_listed,
    row,
)
from tests.support.browser import Chromium, PageWatch
from wirewatch.actions import SLACK_ACTION_PREFIX, LinkClaim, new_action_id, sign_link, slack_button_value
from wirewatch.records import utcnow
from wirewatch.settings import Settings

ADMIN, ADMIN_PASSWORD = "adm", "admin password 1234567"


def story_page(page: Page, console: Console, key: str) -> None:
    page.goto(f"{console.url}/stories/{key}")
    expect(page.locator("#story-state")).to_be_visible()


def test_snooze_from_the_story_page(console: Console, page: Page, watch: PageWatch) -> None:
    alert = single("Frappes aériennes près d'Idleb", severity="high")
    console.produce(alert)
    console.login(page)
    reload_until_listed(page, {alert.alert_id})
    story_page(page, console, alert.story_key)
    controls = page.locator("#story-controls")
    controls.get_by_label("Snooze for").select_option(label="6 h")
    controls.get_by_role("button", name="Snooze").click()
    page.wait_for_url(f"{console.url}/stories/{alert.story_key}")
    expect(page.locator("#story-state .snoozed")).to_contain_text(f"Snoozed by {console.user} until")
    watch.assert_clean()


def test_mute_from_the_feed(console: Console, page: Page, watch: PageWatch) -> None:
    alert = single("Frappes aériennes près d'Idleb", severity="high", regions=("Idlib",))
    console.produce(alert)
    console.login(page)
    reload_until_listed(page, {alert.alert_id})
    row = page.locator(f'#alerts tr.alert[data-alert-id="{alert.alert_id}"]')
    row.get_by_role("link", name="Mute…").click()
    page.wait_for_url(lambda url: "/silences/new" in url)
    expect(page.get_by_label("region = Idlib")).to_be_checked()
    page.get_by_label("Comment (why)").fill("known exercise near Idlib")
    page.get_by_role("button", name="Create silence").click()
    page.wait_for_url(f"{console.url}/stories/{alert.story_key}")
    expect(page.locator("#story-state .muted")).to_contain_text(f"Muted by {console.user} until")
    expect(page.locator("#story-state .muted")).to_contain_text("— known exercise near Idlib")
    page.goto(f"{console.url}/silences")
    listed = page.locator("#silences tr.silence")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("region = Idlib")
    expect(listed).to_contain_text("active")
    watch.assert_clean()


def test_a_viewer_sees_no_action_control(console: Console, page: Page, watch: PageWatch) -> None:
    console.add_user("vic", "viewer password 1234567", role="viewer")
    alert = single("Frappes aériennes près d'Idleb", severity="critical")
    console.produce(alert)
    console.login(page, "vic", "viewer password 1234567")
    reload_until_listed(page, {alert.alert_id})
    for where in ("/", f"/stories/{alert.story_key}", "/silences"):
        page.goto(f"{console.url}{where}")
        expect(page.locator(ACTIONS)).to_have_count(0)
        expect(page.get_by_role("link", name="Mute…")).to_have_count(0)
        expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    watch.assert_clean()
    answer = page.goto(f"{console.url}/silences/new?story_key={alert.story_key}")
    assert answer is not None and answer.status == 403
    assert not watch.csp_violations(), watch.csp_violations()


def test_a_forged_action_post_is_refused(console: Console, page: Page, watch: PageWatch) -> None:
    alert = single("Frappes aériennes près d'Idleb", severity="high")
    console.produce(alert)
    console.login(page)
    reload_until_listed(page, {alert.alert_id})
    target = f"{console.url}/stories/{alert.story_key}/acknowledge"
    forms: list[dict[str, str | float | bool]] = [{}, {"csrf_token": "forged"}]
    for form in forms:
        forged = page.request.post(target, form=form, max_redirects=0)
        assert forged.status == 403, f"an acknowledge with {form} answered {forged.status}"
    story_page(page, console, alert.story_key)
    expect(page.locator("#story-state .acknowledged")).to_have_count(0)
    assert not watch.csp_violations(), watch.csp_violations()


def test_the_audit_page_names_the_user(
    console: Console, page: Page, watch: PageWatch, chromium: Chromium
) -> None:
    alert = single("Frappes aériennes près d'Idleb", severity="high")
    console.produce(alert)
    console.login(page)
    reload_until_listed(page, {alert.alert_id})
    story_page(page, console, alert.story_key)
    page.locator("#story-controls").get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#story-state .acknowledged")).to_contain_text(f"Acknowledged by {console.user}")
    console.add_user(ADMIN, ADMIN_PASSWORD, role="admin")
    admin_context = chromium.context(javascript=True)
    try:
        admin = admin_context.new_page()
        watch.watch(admin)
        console.login(admin, ADMIN, ADMIN_PASSWORD)
        admin.goto(f"{console.url}/audit")
        entry = admin.locator("#audit tr.action[data-kind=acknowledge]")
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(f"{console.user} (analyst)")
        expect(entry).to_contain_text("console")
    finally:
        admin_context.close()
    watch.assert_clean()


SLACK_SECRET = "slack-signing-secret-for-the-test"
LINK_SECRET = "action-link-secret-for-the-test"


@pytest.fixture
def linked_console(kafka_settings: Settings, tmp_path: Path) -> Iterator[Console]:
    """A console with the Slack signing secret and the link key set, and ana linked to Slack U0ANA."""
    env = console_env(
        kafka_settings,
        {"WIREWATCH_SLACK_SIGNING_SECRET": SLACK_SECRET, "WIREWATCH_ACTION_LINK_SECRET": LINK_SECRET},
    )
    add_user(env, USER, PASSWORD, role="analyst")
    linked = subprocess.run(
        wirewatch("console", "user", "link", USER, "--slack-id", "U0ANA"),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert linked.returncode == 0, linked.stderr
    process = ConsoleProcess(env, tmp_path / "console")
    topic = AlertsTopic(kafka_settings)
    try:
        yield Console(process.start(), kafka_settings, process, topic, env)
        assert process.alive(), f"the console died during the test:\n{process.tail()}"
    finally:
        topic.close()
        process.stop()


def slack_click(console: Console, page: Page, story_key: str, secret: str) -> APIResponse:
    value = slack_button_value("snooze", story_key, "", 60)
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ANA"},
        "actions": [{"action_id": f"{SLACK_ACTION_PREFIX}snooze", "value": value}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    ts = str(int(time.time()))
    return page.request.post(
        f"{console.url}/slack/actions",
        data=body,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": slack_signature(secret, ts, body.encode()),
        },
    )


def test_slack_clicks_and_email_links_act_on_the_running_console(
    linked_console: Console, page: Page, watch: PageWatch
) -> None:
    console = linked_console
    clicked, linked = single("Frappes aériennes près d'Idleb"), single("Strikes near Hama", regions=("Hama",))
    console.produce(clicked, linked)
    console.login(page)
    reload_until_listed(page, {clicked.alert_id, linked.alert_id})

    forged = slack_click(console, page, clicked.story_key, "not the signing secret")
    assert forged.status == 401, forged.text()
    answer = slack_click(console, page, clicked.story_key, SLACK_SECRET)
    assert answer.status == 200 and answer.json() == {
        "response_type": "ephemeral",
        "text": f"Snoozed for 1 h by {console.user}",
    }
    story_page(page, console, clicked.story_key)
    expect(page.locator("#story-state .snoozed")).to_contain_text(f"Snoozed by {console.user} until")

    claim = LinkClaim(
        kind="acknowledge",
        story_key=linked.story_key,
        channel="analysts",
        expires=utcnow() + timedelta(hours=1),
        nonce=new_action_id(),
    )
    target = f"{console.url}/act?{urlencode({'token': sign_link(LINK_SECRET, claim)})}"
    page.goto(target)
    page.get_by_role("button", name="Confirm acknowledge").click()
    page.wait_for_url(f"{console.url}/stories/{linked.story_key}")
    expect(page.locator("#story-state .acknowledged")).to_contain_text(f"Acknowledged by {console.user}")
    watch.assert_clean()
    again = page.goto(target)
    assert again is not None and again.status == 409


def test_snooze_a_story_that_arrived_live(console: Console, page: Page, watch: PageWatch) -> None:
    console.login(page)
    expect(page.locator("#alerts")).to_be_attached()
    connect_live(page, console, watch)
    alert = single("Nouvelles frappes russes sur Idleb", severity="critical")
    console.produce(alert)
    live = row(page, alert.alert_id)
    expect(live).to_be_visible(timeout=LIVE_BOUND_S * 1000)
    live.get_by_label("Snooze for").select_option(label="24 h")
    live.get_by_role("button", name="Snooze").click()
    page.wait_for_url(f"{console.url}/")
    story_page(page, console, alert.story_key)
    expect(page.locator("#story-state .snoozed")).to_contain_text(f"Snoozed by {console.user} until")
    watch.assert_clean()
