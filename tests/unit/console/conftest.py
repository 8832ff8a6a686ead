"""Fixtures of the console's unit tests: a store, accounts with cheap hashes, the ASGI app."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from console.accounts import Accounts
from console.store import Store
from console.web.app import Console, create_app
from console.web.security import Signer

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "console.db")


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    # the cheapest argon2 parameters: the tests check behaviour, not cost
    return Accounts(tmp_path / "accounts.db", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def console(store: Store, accounts: Accounts) -> Console:
    accounts.add_user("ana", "analyst", PASSWORD)
    accounts.add_user("vic", "viewer", PASSWORD)
    return Console(store=store, accounts=accounts, signer=Signer(b"k" * 32), heartbeat_s=0.2)


@pytest.fixture
async def client(console: Console) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(console))
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found[1]


async def log_in(client: httpx.AsyncClient, name: str = "ana", password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/login")
    return await client.post(
        "/login", data={"username": name, "password": password, "csrf_token": csrf_of(form.text)}
    )


@pytest.fixture
async def session(client: httpx.AsyncClient) -> httpx.AsyncClient:
    response = await log_in(client)
    assert response.status_code == 303, response.text
    return client
