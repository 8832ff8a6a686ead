"""The accounts page: admins only, every change a CSRF-checked POST, a new token shown once."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import PASSWORD, csrf_of, log_in

from console.web.app import Console


@pytest.fixture
async def admin(client: httpx.AsyncClient, console: Console) -> httpx.AsyncClient:
    console.accounts.add_user("root", "admin", PASSWORD)
    assert (await log_in(client, "root")).status_code == 303
    return client


@pytest.mark.parametrize("name", ["vic", "ana"])  # a viewer, an analyst
async def test_only_admins_see_or_change_accounts(client: httpx.AsyncClient, name: str) -> None:
    await log_in(client, name)
    page = await client.get("/")
    assert 'href="/accounts"' not in page.text
    assert (await client.get("/accounts")).status_code == 403
    token = csrf_of(page.text)
    refused = await client.post("/accounts/users/vic/disable", data={"csrf_token": token})
    assert refused.status_code == 403


async def test_an_admin_adds_and_disables_users(admin: httpx.AsyncClient, console: Console) -> None:
    page = await admin.get("/accounts")
    assert page.status_code == 200 and 'data-user="ana"' in page.text
    token = csrf_of(page.text)
    added = await admin.post(
        "/accounts/users",
        data={"csrf_token": token, "name": "eve", "role": "viewer", "password": PASSWORD},
    )
    assert added.status_code == 303
    assert console.accounts.user("eve") is not None
    bad = await admin.post(
        "/accounts/users", data={"csrf_token": token, "name": "eve2", "role": "boss", "password": PASSWORD}
    )
    assert bad.status_code == 400 and "role" in bad.text
    assert (await admin.post("/accounts/users/eve/disable", data={"csrf_token": token})).status_code == 303
    assert console.accounts.authenticate("eve", PASSWORD) is None
    assert (await admin.post("/accounts/users/eve/disable")).status_code == 403  # no CSRF token


async def test_an_admin_creates_a_token_shown_once_and_revokes_it(
    admin: httpx.AsyncClient, console: Console
) -> None:
    token = csrf_of((await admin.get("/accounts")).text)
    created = await admin.post("/accounts/tokens", data={"csrf_token": token, "name": "vic"})
    secret = re.search(r'<code id="new-token">(wwt_[^<]+)</code>', created.text)
    assert created.status_code == 200 and secret
    assert created.headers["cache-control"] == "no-store"
    assert secret[1] not in (await admin.get("/accounts")).text  # shown once
    api = await admin.get("/api/v1/alerts", headers={"Authorization": f"Bearer {secret[1]}"})
    assert api.status_code == 200
    token_id = console.accounts.tokens()[-1].id
    revoked = await admin.post(f"/accounts/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert console.accounts.token_user(secret[1]) is None
