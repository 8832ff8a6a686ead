"""Acting on alerts through the console's pages and API, with a producer that keeps what it is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import PASSWORD, csrf_of, log_in
from console_samples import make_alert
from prometheus_client import REGISTRY

from console.accounts import Accounts
from console.action_store import ActionStore
from console.actions import Actions, Unavailable
from console.store import Incoming, Store
from console.web.app import Console
from wirewatch.actions import Action, Receipt


class MemoryProducer:
    """Keeps every record sent; ``down`` makes it refuse as an unreachable broker does."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.down = False

    async def send(self, topic: str, key: bytes, value: bytes) -> None:
        if self.down:
            raise Unavailable("Kafka did not acknowledge the action, so nothing was done: try again.")
        self.sent.append((topic, key, value))

    async def close(self) -> None:
        pass

    def actions(self) -> list[Action]:
        return [Action.from_bytes(v) for _, _, v in self.sent]


LINK_SECRET = "link-secret-0123456789"
SLACK_SECRET = "slack-secret-0123456789"


@pytest.fixture
def producer() -> MemoryProducer:
    return MemoryProducer()


@pytest.fixture
def console(store: Store, accounts: Accounts, producer: MemoryProducer) -> Console:
    from console.web.security import Signer

    accounts.add_user("ana", "analyst", PASSWORD)
    accounts.add_user("vic", "viewer", PASSWORD)
    accounts.add_user("adm", "admin", PASSWORD)
    store.add(make_alert("st-1", 0))
    store.add(make_alert("st-2", 0, regions=("Hama",), title="Strikes on Hama"))
    actions = Actions(
        store=store,
        action_store=ActionStore(store),
        producer=producer,
        topic="t.actions.v1",
        link_secret=LINK_SECRET,
        slack_secret=SLACK_SECRET,
        channel_names=["slack-ops", "analysts"],
    )
    return Console(store=store, accounts=accounts, signer=Signer(b"k" * 32), actions=actions)


def bearer(console: Console, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {console.accounts.create_token(user)[1]}"}


# -- the API -------------------------------------------------------------------------------


async def test_api_acknowledge_and_snooze_produce_actions(
    client: httpx.AsyncClient, console: Console, producer: MemoryProducer
) -> None:
    auth = bearer(console, "ana")
    done = await client.post("/api/v1/stories/st-1/acknowledge", headers=auth)
    assert done.status_code == 200, done.text
    assert done.json()["kind"] == "acknowledge" and done.json()["actor"] == "ana"
    snoozed = await client.post("/api/v1/stories/st-1/snooze", json={"minutes": 60}, headers=auth)
    assert snoozed.status_code == 200
    (ack, snooze) = producer.actions()
    assert (ack.source, ack.severity, ack.story_key) == ("api", "high", "st-1")
    topic, key, _ = producer.sent[1]
    assert topic == "t.actions.v1" and key == b"story:st-1:snooze"
    assert snooze.until is not None and snooze.until - snooze.at == timedelta(minutes=60)
    listed = (await client.get("/api/v1/actions", headers=auth)).json()["actions"]
    assert [a["kind"] for a in listed] == ["snooze", "acknowledge"]


async def test_api_story_says_where_each_revision_went(client: httpx.AsyncClient, console: Console) -> None:
    assert console.actions is not None
    at = datetime(2026, 12, 7, 12, tzinfo=UTC)
    receipts = [
        Receipt(alert_id="al-st-1-0", story_key="st-1", channel="slack-ops", outcome="sent", at=at),
        Receipt(
            alert_id="al-st-1-0",
            story_key="st-1",
            channel="analysts",
            outcome="held",
            reason="snoozed by ana",
            action_id="x1",
            at=at,
        ),
    ]
    incoming = [Incoming("t.receipts.v1", 0, n, r.to_bytes()) for n, r in enumerate(receipts)]
    console.actions.action_store.apply(incoming, "t.actions.v1", "t.receipts.v1")
    story = (await client.get("/api/v1/stories/st-1", headers=bearer(console, "vic"))).json()
    got = story["revisions"][0]["deliveries"]
    assert [(d["channel"], d["outcome"], d["reason"]) for d in got] == [
        ("analysts", "held", "snoozed by ana"),
        ("slack-ops", "sent", ""),
    ]


@pytest.mark.parametrize(
    ("call", "status"),
    [
        (("post", "/api/v1/stories/nope/acknowledge", None), 404),
        (("post", "/api/v1/stories/st-1/snooze", {"minutes": 0}), 422),
        (("post", "/api/v1/stories/st-1/snooze", {}), 422),
        (("post", "/api/v1/alerts/nope/not-relevant", {"reason": "x"}), 404),
        (("delete", "/api/v1/silences/nope", None), 404),
    ],
)
async def test_api_bad_input_and_unknown_targets(
    client: httpx.AsyncClient, console: Console, producer: MemoryProducer, call: tuple, status: int
) -> None:
    method, path, body = call
    response = await client.request(method, path, json=body, headers=bearer(console, "ana"))
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert producer.sent == []


def silence(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "matchers": {"region": "Idlib"},
        "ends_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        "comment": "known exercise",
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (silence(matchers={}), "at least one matcher"),
        (silence(matchers={"city": "Idlib"}), "unknown matcher"),
        (silence(ends_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat()), "end after"),
        (silence(comment="  "), "comment"),
    ],
)
async def test_a_bad_silence_is_refused_with_a_clear_message(
    client: httpx.AsyncClient, console: Console, producer: MemoryProducer, body: dict, says: str
) -> None:
    response = await client.post("/api/v1/silences", json=body, headers=bearer(console, "ana"))
    assert response.status_code == 400 and says in response.json()["detail"]
    assert producer.sent == []


async def test_api_silence_listed_then_ended(
    client: httpx.AsyncClient, console: Console, producer: MemoryProducer
) -> None:
    auth = bearer(console, "ana")
    made = await client.post("/api/v1/silences", json=silence(channels=["slack-ops"]), headers=auth)
    assert made.status_code == 200, made.text
    sid = made.json()["id"]
    listed = (await client.get("/api/v1/silences", headers=auth)).json()["silences"]
    assert [(s["id"], s["state"], s["created_by"]) for s in listed] == [(sid, "active", "ana")]
    assert (await client.delete(f"/api/v1/silences/{sid}", headers=auth)).status_code == 200
    listed = (await client.get("/api/v1/silences", headers=auth)).json()["silences"]
    assert listed[0]["state"] == "ended"
    ended = producer.actions()[-1]
    assert ended.cancelled and ended.silence_id == sid and ended.key == f"silence:{sid}"


async def test_a_viewer_token_may_read_but_not_act(
    client: httpx.AsyncClient, console: Console, producer: MemoryProducer
) -> None:
    auth = bearer(console, "vic")
    assert (await client.get("/api/v1/actions", headers=auth)).status_code == 200
    assert (await client.post("/api/v1/stories/st-1/acknowledge", headers=auth)).status_code == 403
    assert producer.sent == []


async def test_not_relevant_carries_the_evidence_and_counts_feedback(
    client: httpx.AsyncClient, console: Console, producer: MemoryProducer
) -> None:
    labels = {"rule": "default", "entity": "Idlib", "alias": "Idleb"}
    before = REGISTRY.get_sample_value("wirewatch_feedback_total", labels) or 0.0
    done = await client.post(
        "/api/v1/alerts/al-st-1-0/not-relevant",
        json={"reason": "a film title"},
        headers=bearer(console, "ana"),
    )
    assert done.status_code == 200
    (mark,) = producer.actions()
    assert mark.reason == "a film title" and mark.rules == ["default"] and mark.story_key == "st-1"
    assert {e.alias for e in mark.evidence} == {"Idleb", "frappe aérienne"}
    assert [i.id for i in mark.items] == ["it-st-1-0"]
    assert REGISTRY.get_sample_value("wirewatch_feedback_total", labels) == before + 1


async def test_kafka_unreachable_is_a_503_and_nothing_is_done(
    client: httpx.AsyncClient, console: Console, producer: MemoryProducer
) -> None:
    producer.down = True
    response = await client.post("/api/v1/stories/st-1/acknowledge", headers=bearer(console, "ana"))
    assert response.status_code == 503 and "nothing was done" in response.json()["detail"]
    assert console.actions is not None and console.actions.action_store.actions() == []


async def test_the_openapi_document_lists_the_actions(client: httpx.AsyncClient, console: Console) -> None:
    paths = (await client.get("/api/v1/openapi.json", headers=bearer(console, "vic"))).json()["paths"]
    for path in (
        "/api/v1/stories/{story_key}/acknowledge",
        "/api/v1/stories/{story_key}/snooze",
        "/api/v1/silences",
        "/api/v1/silences/{silence_id}",
        "/api/v1/alerts/{alert_id}/not-relevant",
        "/api/v1/actions",
    ):
        assert path in paths


# -- pages ---------------------------------------------------------------------------------


async def test_snooze_from_the_story_page(session: httpx.AsyncClient, producer: MemoryProducer) -> None:
    page = await session.get("/stories/st-1")
    assert 'id="story-controls"' in page.text
    done = await session.post(
        "/stories/st-1/snooze",
        data={"minutes": "custom", "custom_minutes": "90", "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 303 and done.headers["location"] == "/stories/st-1"
    shown = await session.get("/stories/st-1")
    assert "Snoozed by ana until" in shown.text
    assert producer.actions()[0].source == "console"


async def test_a_snooze_and_an_acknowledgement_are_ended_early(
    session: httpx.AsyncClient, console: Console, producer: MemoryProducer
) -> None:
    page = await session.get("/stories/st-1")
    csrf = csrf_of(page.text)
    await session.post("/stories/st-1/snooze", data={"minutes": "60", "csrf_token": csrf})
    await session.post("/stories/st-1/acknowledge", data={"csrf_token": csrf})
    shown = (await session.get("/stories/st-1")).text
    assert "End snooze" in shown and "Unacknowledge" in shown
    for kind, gone in (("snooze", "Snoozed by"), ("acknowledge", "Acknowledged by")):
        done = await session.post(f"/stories/st-1/{kind}/end", data={"csrf_token": csrf})
        assert done.status_code == 303
        assert gone not in (await session.get("/stories/st-1")).text
    ended = producer.actions()[-2:]
    assert [(a.kind, a.cancelled) for a in ended] == [("snooze", True), ("acknowledge", True)]
    assert ended[0].until is not None and not ended[0].active(ended[0].at)
    assert [a.key for a in ended] == ["story:st-1:snooze", "story:st-1:acknowledge"]  # replaces the holds
    # nothing left to end: a clear refusal, nothing produced
    again = await session.post("/stories/st-1/snooze/end", data={"csrf_token": csrf})
    assert again.status_code == 409 and "not snoozed" in again.text
    assert len(producer.actions()) == 4
    # the API: DELETE ends them too
    auth = bearer(console, "ana")
    await session.post("/stories/st-1/acknowledge", data={"csrf_token": csrf})
    assert (await session.delete("/api/v1/stories/st-1/acknowledge", headers=auth)).status_code == 200
    assert (await session.delete("/api/v1/stories/st-1/snooze", headers=auth)).status_code == 409


async def test_acknowledge_from_the_feed_goes_back_to_the_feed(session: httpx.AsyncClient) -> None:
    feed = await session.get("/?severity=high")
    assert "Acknowledge" in feed.text and "Mute…" in feed.text
    done = await session.post(
        "/stories/st-2/acknowledge", data={"next": "/?severity=high", "csrf_token": csrf_of(feed.text)}
    )
    assert done.status_code == 303 and done.headers["location"] == "/?severity=high"
    assert "Acknowledged by ana" in (await session.get("/stories/st-2")).text


async def test_a_viewer_sees_no_control_and_is_refused(
    client: httpx.AsyncClient, producer: MemoryProducer
) -> None:
    await log_in(client, "vic")
    feed = await client.get("/")
    story = await client.get("/stories/st-1")
    for page in (feed, story):
        assert "Acknowledge" not in page.text and "Snooze" not in page.text and "Mute…" not in page.text
    refused = await client.post("/stories/st-1/acknowledge", data={"csrf_token": csrf_of(story.text)})
    assert refused.status_code == 403 and producer.sent == []
    assert (await client.get("/silences/new?story_key=st-1")).status_code == 403


async def test_a_forged_post_is_refused(session: httpx.AsyncClient, producer: MemoryProducer) -> None:
    assert (await session.post("/stories/st-1/acknowledge")).status_code == 403
    assert (await session.post("/stories/st-1/acknowledge", data={"csrf_token": "forged"})).status_code == 403
    assert producer.sent == []


async def test_mute_form_prefilled_and_inline_errors(
    session: httpx.AsyncClient, producer: MemoryProducer
) -> None:
    form = await session.get("/silences/new?story_key=st-1")
    assert 'value="region=Idlib" checked' in form.text and 'value="actor=Russia"' in form.text
    token = csrf_of(form.text)
    missing = await session.post(
        "/silences",
        data={"story_key": "st-1", "m": "region=Idlib", "hours": "2", "comment": "", "csrf_token": token},
    )
    assert (
        missing.status_code == 400
        and "needs a comment" in missing.text
        and 'id="silence-form"' in missing.text
    )
    nothing = await session.post("/silences", data={"hours": "2", "comment": "x", "csrf_token": token})
    assert nothing.status_code == 400 and "at least one matcher" in nothing.text
    made = await session.post(
        "/silences",
        data={
            "story_key": "st-1",
            "m": "region=Idlib",
            "hours": "2",
            "comment": "drill",
            "csrf_token": token,
        },
    )
    assert made.status_code == 303
    story = await session.get("/stories/st-1")
    assert "Muted by ana until" in story.text and "— drill" in story.text
    assert "Muted" not in (await session.get("/stories/st-2")).text
    listing = await session.get("/silences")
    assert "region = Idlib" in listing.text and "End now" in listing.text
    (made_action,) = producer.actions()
    ended = await session.post(f"/silences/{made_action.silence_id}/end", data={"csrf_token": token})
    assert ended.status_code == 303
    assert 'data-state="ended"' in (await session.get("/silences")).text


async def test_the_audit_log_is_for_admins_and_names_the_user(
    client: httpx.AsyncClient, console: Console
) -> None:
    await client.post("/api/v1/stories/st-1/acknowledge", headers=bearer(console, "ana"))
    await log_in(client, "adm")
    page = await client.get("/audit")
    assert page.status_code == 200 and "ana (analyst)" in page.text and "acknowledge" in page.text
    assert "ana (analyst)" not in (await client.get("/audit?user=vic")).text
    client.cookies.clear()
    await log_in(client, "ana")
    assert (await client.get("/audit")).status_code == 403


async def test_unknown_story_is_a_404_page(session: httpx.AsyncClient) -> None:
    page = await session.get("/")
    response = await session.post("/stories/nope/acknowledge", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 404 and "no story" in response.text


async def test_a_live_row_carries_the_analysts_controls(session: httpx.AsyncClient, console: Console) -> None:
    from test_live import cookie_of, read_events

    from console.web.app import create_app

    fresh = make_alert("st-live", severity="critical")

    def publish() -> None:
        console.store.add(fresh)
        console.hub.publish(fresh)

    page = await session.get("/")
    (event,) = await read_events(create_app(console), await cookie_of(session), then=publish)
    html = event["html"]
    assert 'action="/stories/st-live/acknowledge"' in html and "Mute…" in html
    assert f'value="{csrf_of(page.text)}"' in html and 'name="next" value="/"' in html
