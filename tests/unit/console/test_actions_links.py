# ruff: noqa: F811 - the console and producer fixtures are test_actions_pages's, imported
"""Email/Slack links (confirm, single use, expiry), Slack's signed button clicks, the actions' projection."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from conftest import PASSWORD, csrf_of, log_in
from console_samples import make_alert
from prometheus_client import REGISTRY
from test_actions_pages import LINK_SECRET, SLACK_SECRET, MemoryProducer, console, producer  # noqa: F401

from console.accounts import Accounts
from console.action_store import ActionStore
from console.feedback import cases
from console.store import Incoming, Store
from console.web.app import Console
from console.web.slack import slack_refusal, slack_signature
from wirewatch.actions import (
    SLACK_ACTION_PREFIX,
    Action,
    LinkClaim,
    Receipt,
    new_action_id,
    sign_link,
    slack_button_value,
)

# -- links ---------------------------------------------------------------------------------


def link(kind: str = "snooze", *, hours: float = 1, secret: str = LINK_SECRET, nonce: str = "") -> str:
    claim = LinkClaim(
        kind=kind,
        story_key="st-1",
        alert_id="al-st-1-0",
        channel="analysts",
        expires=datetime.now(UTC) + timedelta(hours=hours),
        nonce=nonce or new_action_id(),
    )
    return "/act?" + urlencode({"token": sign_link(secret, claim)})


async def test_a_link_needs_a_session_and_keeps_its_token(client: httpx.AsyncClient) -> None:
    target = link()
    response = await client.get(target)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login" and parse_qs(location.query)["next"] == [target]


async def test_a_link_confirms_then_acts_once(session: httpx.AsyncClient, producer: MemoryProducer) -> None:
    nonce = new_action_id()
    target = link(nonce=nonce)
    page = await session.get(target)
    assert page.status_code == 200 and "Confirm snooze" in page.text
    assert producer.sent == [], "GET never acts"
    token = parse_qs(urlsplit(target).query)["token"][0]
    form = {"token": token, "minutes": "360", "csrf_token": csrf_of(page.text)}
    done = await session.post("/act", data=form)
    assert done.status_code == 303 and done.headers["location"] == "/stories/st-1"
    (action,) = producer.actions()
    assert (action.action_id, action.kind, action.source, action.actor) == (nonce, "snooze", "email", "ana")
    again = await session.post("/act", data=form)
    assert again.status_code == 409 and "used already" in again.text
    assert (await session.get(target)).status_code == 409
    assert len(producer.sent) == 1


@pytest.mark.parametrize(
    ("target", "says"),
    [
        (link(hours=-1), "expired"),
        (link(secret="another secret entirely"), "bad signature"),
        ("/act?token=garbage", "malformed"),
    ],
)
async def test_a_bad_link_is_a_clear_400(session: httpx.AsyncClient, target: str, says: str) -> None:
    response = await session.get(target)
    assert response.status_code == 400 and says in response.text


async def test_a_viewer_opening_a_link_is_refused(
    client: httpx.AsyncClient, producer: MemoryProducer
) -> None:
    await log_in(client, "vic")
    target = link("acknowledge")
    page = await client.get(target)
    token = parse_qs(urlsplit(target).query)["token"][0]
    done = await client.post("/act", data={"token": token, "csrf_token": csrf_of(page.text)})
    assert done.status_code == 403 and producer.sent == []


# -- Slack ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "timestamp", "signature", "reason"),
    [
        (SLACK_SECRET, "NOW", "GOOD", None),
        (SLACK_SECRET, "NOW", "v0=" + "0" * 64, "bad_signature"),
        (SLACK_SECRET, "OLD", "GOOD", "stale"),
        (SLACK_SECRET, None, "GOOD", "missing"),
        (SLACK_SECRET, "NOW", None, "missing"),
        (None, "NOW", "GOOD", "no_secret"),
    ],
)
def test_slack_signature_verification(
    secret: str | None, timestamp: str | None, signature: str | None, reason: str | None
) -> None:
    body = b"payload=%7B%7D"
    now = 1_800_000_000
    ts = {"NOW": str(now - 10), "OLD": str(now - 301), None: None}[timestamp]
    good = slack_signature(SLACK_SECRET, ts or str(now), body)
    sig = good if signature == "GOOD" else signature
    assert slack_refusal(secret, ts, sig, body, now=now) == reason


def slack_request(
    kind: str = "snooze", user: str = "U0ANA", minutes: int | None = 60, *, age_s: int = 0
) -> tuple[bytes, dict[str, str]]:
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "actions": [
            {
                "action_id": f"{SLACK_ACTION_PREFIX}{kind}",
                "value": slack_button_value(kind, "st-1", "al-st-1-0", minutes),
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    ts = str(int(time.time()) - age_s)
    return body, {
        "x-slack-request-timestamp": ts,
        "x-slack-signature": slack_signature(SLACK_SECRET, ts, body),
        "content-type": "application/x-www-form-urlencoded",
    }


async def test_a_slack_click_acts_as_the_linked_user(
    client: httpx.AsyncClient,
    console: Console,
    producer: MemoryProducer,
) -> None:
    console.accounts.link_slack("ana", "U0ANA")
    body, headers = slack_request()
    response = await client.post("/slack/actions", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"response_type": "ephemeral", "text": "Snoozed for 1 h by ana"}
    (action,) = producer.actions()
    assert (action.source, action.actor, action.kind) == ("slack", "ana", "snooze")


async def test_a_slack_click_of_an_unlinked_or_viewer_user_does_nothing(
    client: httpx.AsyncClient,
    console: Console,
    producer: MemoryProducer,
) -> None:
    body, headers = slack_request(user="U0NOBODY")
    response = await client.post("/slack/actions", content=body, headers=headers)
    assert response.status_code == 200 and "not linked" in response.json()["text"]
    console.accounts.link_slack("vic", "U0VIC")
    body, headers = slack_request("acknowledge", user="U0VIC")
    response = await client.post("/slack/actions", content=body, headers=headers)
    assert response.status_code == 200 and "may not acknowledge" in response.json()["text"]
    assert producer.sent == []


@pytest.mark.parametrize("fault", ["bad_signature", "stale", "missing"])
async def test_a_bad_slack_request_is_a_counted_401(
    client: httpx.AsyncClient,
    console: Console,
    producer: MemoryProducer,
    fault: str,
) -> None:
    console.accounts.link_slack("ana", "U0ANA")
    body, headers = slack_request(age_s=600 if fault == "stale" else 0)
    if fault == "bad_signature":
        headers["x-slack-signature"] = slack_signature(
            "not the secret", headers["x-slack-request-timestamp"], body
        )
    if fault == "missing":
        del headers["x-slack-signature"]
    before = REGISTRY.get_sample_value("wirewatch_console_slack_refused_total", {"reason": fault}) or 0.0
    response = await client.post("/slack/actions", content=body, headers=headers)
    assert response.status_code == 401 and producer.sent == []
    assert REGISTRY.get_sample_value("wirewatch_console_slack_refused_total", {"reason": fault}) == before + 1


async def test_a_huge_slack_request_is_refused_before_its_signature(
    client: httpx.AsyncClient, producer: MemoryProducer
) -> None:
    body, headers = slack_request()
    response = await client.post("/slack/actions", content=body + b"x" * (70 * 1024), headers=headers)
    assert response.status_code == 413 and producer.sent == []


# -- the projection ------------------------------------------------------------------------


def act(kind: str, at_min: int, **fields: object) -> Action:
    base: dict[str, object] = {
        "action_id": new_action_id(),
        "kind": kind,
        "actor": "ana",
        "role": "analyst",
        "source": "console",
        "at": datetime(2026, 12, 4, 9, 0, tzinfo=UTC) + timedelta(minutes=at_min),
    }
    return Action.model_validate(base | fields)


def records(store_path: Path) -> tuple[Store, ActionStore]:
    store = Store(store_path)
    store.add(make_alert("st-1", 0))
    return store, ActionStore(store)


def test_projection_rebuild_gives_the_same_rows(tmp_path: Path) -> None:
    later = datetime(2026, 12, 5, tzinfo=UTC)
    stream = [
        act("acknowledge", 0, story_key="st-1", severity="high"),
        act("snooze", 1, story_key="st-1", until=later),
        act(
            "silence",
            2,
            silence_id="s1",
            matchers={"region": "Idlib"},
            starts_at=later - timedelta(days=1),
            ends_at=later,
            comment="drill",
        ),
        act("not_relevant", 3, story_key="st-1", alert_id="al-st-1-0", reason="film"),
    ]
    receipt = Receipt(alert_id="al-st-1-0", story_key="st-1", channel="slack-ops", outcome="held", at=later)
    incoming = [Incoming("a", 0, n, a.to_bytes()) for n, a in enumerate(stream)]
    incoming += [Incoming("r", 0, 0, receipt.to_bytes()), Incoming("a", 0, 9, b"{not json")]
    unknown = act("acknowledge", 5, story_key="nope")
    incoming.append(Incoming("a", 0, 10, unknown.to_bytes()))

    _, first = records(tmp_path / "one.db")
    first.record(stream[1])  # produced by this replica: recorded before the topic brings it back
    done = first.apply(incoming, "a", "r")
    assert len(done.malformed) == 1 and [a.action_id for _, a in done.unknown] == [unknown.action_id]
    assert first.offsets("a") == {0: 10} and first.offsets("r") == {0: 0}
    _, second = records(tmp_path / "two.db")
    second.apply(incoming, "a", "r")
    assert first.rows() == second.rows()
    assert first.state("st-1")["snooze"]["actor"] == "ana"
    assert first.receipts("st-1")["al-st-1-0"][0]["outcome"] == "held"
    assert [s.silence_id for s in first.silences()] == ["s1"]


def test_an_older_record_does_not_undo_a_newer_one(tmp_path: Path) -> None:
    _, actions = records(tmp_path / "c.db")
    newer = act("snooze", 5, story_key="st-1", until=datetime(2026, 12, 5, tzinfo=UTC), cancelled=True)
    older = act("snooze", 1, story_key="st-1", until=datetime(2026, 12, 5, tzinfo=UTC))
    actions.record(newer)
    actions.record(older)
    assert actions.state("st-1")["snooze"]["cancelled"] == 1
    assert len(actions.actions()) == 2


def test_accounts_made_before_slack_ids_are_migrated(tmp_path: Path) -> None:
    path = tmp_path / "accounts.db"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, "
        "role TEXT NOT NULL, password TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, "
        "created_at REAL NOT NULL)"
    )
    old.commit()
    old.close()
    accounts = Accounts(path, PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    accounts.add_user("ana", "analyst", PASSWORD)
    accounts.link_slack("ana", "U0ANA")
    found = accounts.slack_user("U0ANA")
    assert found is not None and found.name == "ana"


def test_feedback_cases_are_try_input_plus_the_label() -> None:
    alert = make_alert("st-1", 0)
    mark = act(
        "not_relevant",
        0,
        story_key="st-1",
        alert_id=alert.alert_id,
        reason="film",
        rules=["default"],
        evidence=alert.evidence,
        items=alert.items,
    )
    replaced = mark.model_copy(update={"reason": "a film title", "action_id": new_action_id()})
    (case,) = list(cases([mark, act("acknowledge", 1, story_key="st-1"), replaced]))
    assert (
        case["id"] == "it-st-1-0" and case["title"] == "Frappes aériennes sur Idleb" and case["lang"] == "fr"
    )
    assert (case["label"], case["reason"], case["rules"], case["actor"]) == (
        "not_relevant",
        "a film title",
        ["default"],
        "ana",
    )
    assert {e["alias"] for e in case["evidence"]} == {"Idleb", "frappe aérienne"}


async def test_a_link_posted_without_a_session_goes_to_login_with_its_token(
    client: httpx.AsyncClient, producer: MemoryProducer
) -> None:
    page = await client.get("/login")
    target = link("acknowledge")
    token = parse_qs(urlsplit(target).query)["token"][0]
    response = await client.post("/act", data={"token": token, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303 and producer.sent == []
    location = urlsplit(response.headers["location"])
    assert location.path == "/login" and parse_qs(location.query)["next"] == [target]
