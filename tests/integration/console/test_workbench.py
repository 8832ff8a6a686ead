"""The workbench against the real broker: apply with a comment, a stale parent refused with both
changes shown, history and rollback, a preview that finds an added alert on a stored item, and
a second preview cancelling the first."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from kafka import KafkaProducer

from console.accounts import Accounts
from console.store import Store
from console.web.app import Console, create_app
from console.web.security import Signer
from console.workbench import Workbench
from wirewatch.records import NewsItem
from wirewatch.settings import Settings
from wirewatch.topics import Topics
from wirewatch.watchlist_versions import apply_version, history, live_version

REPO = Path(__file__).resolve().parents[3]
CHANNELS = REPO / "config" / "channels.yaml"
SHIPPED = (REPO / "config" / "watchlist.yaml").read_text(encoding="utf-8")
PASSWORD = "correct horse battery"
#: a region the shipped watchlist does not watch, added by the change under preview
ADDED_REGION = """
  - name: Jableh
    aliases: [Jablé]
    country: SY
"""


def with_jableh(text: str) -> str:
    head, sep, tail = text.partition("\nregions:\n")
    assert sep, "the shipped watchlist has a regions section"
    return head + sep + ADDED_REGION.lstrip("\n") + tail


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found[1]


@pytest.fixture
async def client(kafka_settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    accounts = Accounts(tmp_path / "accounts.db", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    accounts.add_user("ana", "analyst", PASSWORD)
    accounts.add_user("vic", "viewer", PASSWORD)
    accounts.add_user("adm", "admin", PASSWORD)
    console = Console(
        store=Store(tmp_path / "console.db"),
        accounts=accounts,
        signer=Signer(b"k" * 32),
        workbench=Workbench(kafka_settings, CHANNELS),
    )
    transport = httpx.ASGITransport(app=create_app(console))
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as c:
        yield c
    await console.workbench.close()  # type: ignore[union-attr]


async def log_in(client: httpx.AsyncClient, name: str = "ana") -> str:
    form = await client.get("/login")
    done = await client.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    )
    assert done.status_code == 303, done.text
    return csrf_of((await client.get("/watchlist")).text)


def store_items(settings: Settings, titles: list[str]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    now = datetime.now(UTC) - timedelta(minutes=5)
    for n, title in enumerate(titles):
        item = NewsItem(
            id=f"item-{n}", feed="f", source="AFP", title=title, lang="fr", published_at=now, fetched_at=now
        )
        producer.send(Topics(settings.topic_prefix).items, key=item.id.encode(), value=item.to_bytes())
    producer.flush()
    producer.close()


async def test_apply_stale_parent_history_and_rollback(
    kafka_settings: Settings, client: httpx.AsyncClient
) -> None:
    first = await asyncio.to_thread(apply_version, kafka_settings, SHIPPED, "cli", "first")
    csrf = await log_in(client)
    page = await client.get("/watchlist")
    assert first.version.version in page.text and "first" in page.text

    edited = with_jableh(SHIPPED)
    # no comment: refused, the text kept
    refused = await client.post(
        "/watchlist/apply",
        data={"text": edited, "parent": first.version.version, "comment": "", "csrf_token": csrf},
    )
    assert refused.status_code == 400 and "comment" in refused.text and "Jablé" in refused.text

    applied = await client.post(
        "/watchlist/apply",
        data={"text": edited, "parent": first.version.version, "comment": "watch Jableh", "csrf_token": csrf},
    )
    assert applied.status_code == 303
    live = await asyncio.to_thread(live_version, kafka_settings)
    assert live is not None and live.author == "ana" and live.comment == "watch Jableh"
    assert live.parent == first.version.version

    # a colleague's change made on the first version is not applied over ana's
    stale = await client.post(
        "/watchlist/apply",
        data={
            "text": SHIPPED + "\n# mine\n",
            "parent": first.version.version,
            "comment": "x",
            "csrf_token": csrf,
        },
    )
    assert stale.status_code == 409
    assert live.version in stale.text and "Jablé" in stale.text  # the diff shows ana's change
    assert (await asyncio.to_thread(live_version, kafka_settings)).version == live.version  # type: ignore[union-attr]

    hist = await client.get("/watchlist/history")
    assert hist.status_code == 200
    rows = re.findall(r'<tr class="version" data-version="([^"]+)"', hist.text)
    assert rows == [live.version, first.version.version]  # newest first
    compare = await client.get(f"/watchlist/compare?a={first.version.version}&b={live.version}")
    assert "+  - name: Jableh" in compare.text

    back = await client.post(
        "/watchlist/rollback",
        data={"version": first.version.version, "comment": "too noisy", "csrf_token": csrf},
    )
    assert back.status_code == 303
    versions = await asyncio.to_thread(history, kafka_settings)
    assert versions[0].comment.endswith("too noisy") and versions[0].author == "ana"
    assert versions[0].text == SHIPPED and versions[0].parent == live.version
    assert len(versions) == 3  # a rollback is a new version: history is never rewritten

    # every apply and rollback is in the admins' audit log, with who and why
    client.cookies.clear()
    await log_in(client, "adm")
    audit = await client.get("/audit?kind=watchlist&user=ana")
    assert audit.status_code == 200
    rows = re.findall(r'<tr class="watchlist-version" data-version="([^"]+)"', audit.text)
    assert rows == [first.version.version, live.version]
    assert "watch Jableh" in audit.text and "too noisy" in audit.text


async def test_a_viewer_reads_but_may_not_apply(kafka_settings: Settings, client: httpx.AsyncClient) -> None:
    await asyncio.to_thread(apply_version, kafka_settings, SHIPPED, "cli", "first")
    csrf = await log_in(client, "vic")
    page = await client.get("/watchlist")
    assert page.status_code == 200 and "read only" in page.text and 'id="apply-button"' not in page.text
    refused = await client.post(
        "/watchlist/apply", data={"text": SHIPPED, "comment": "x", "csrf_token": csrf}
    )
    assert refused.status_code == 403


async def test_preview_finds_the_added_alert_and_a_new_one_cancels_the_old(
    kafka_settings: Settings, client: httpx.AsyncClient
) -> None:
    await asyncio.to_thread(apply_version, kafka_settings, SHIPPED, "cli", "first")
    store_items(
        kafka_settings,
        [
            "Frappes aériennes sur Jablé : 4 morts",
            "Frappes aériennes sur Idleb",
            "Match de football",
        ],
    )
    csrf = await log_in(client)
    json_ = {"Accept": "application/json"}
    first = await client.post(
        "/watchlist/preview",
        data={"text": with_jableh(SHIPPED), "hours": "24", "csrf_token": csrf},
        headers=json_,
    )
    assert first.status_code == 202, first.text
    second = await client.post(
        "/watchlist/preview",
        data={"text": with_jableh(SHIPPED), "hours": "24", "csrf_token": csrf},
        headers=json_,
    )
    old = await client.get(f"/watchlist/previews/{first.json()['id']}", headers=json_)
    assert old.status_code == 404  # replaced: the first one was cancelled
    job = second.json()
    deadline = time.monotonic() + 90
    while job["state"] == "running":
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.3)
        job = (await client.get(f"/watchlist/previews/{job['id']}", headers=json_)).json()
    assert job["state"] == "done", job
    assert [(c["id"], c["change"]) for c in job["changes"]] == [("item-0", "added")]
    assert job["changes"][0]["after"]["regions"] == ["Jableh"]
    assert job["changes"][0]["title"] == "Frappes aériennes sur Jablé : 4 morts"
    assert job["summary"]["items"] == 3 and job["summary"]["added"] == 1
    page = await client.get(f"/watchlist/previews/{job['id']}")
    assert "item-0" in page.text and "1</strong> added" in page.text


async def test_a_preview_cut_by_its_bound_says_how_far_it_got(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    await asyncio.to_thread(apply_version, kafka_settings, SHIPPED, "cli", "first")
    store_items(kafka_settings, [f"Frappes aériennes sur Jablé ({n})" for n in range(5)])
    bounded = Workbench(kafka_settings.model_copy(update={"watchlist_diff_max_items": 2}), CHANNELS)
    job = await bounded.start_preview("ana", with_jableh(SHIPPED), 24)
    assert job.task is not None
    await asyncio.wait_for(job.task, 90)
    assert job.state == "done", job.as_json()
    assert job.summary is not None and job.summary["stopped"] == "max-items"
    assert job.summary["items"] == 2 and job.total == 5
    await bounded.close()
