"""The JSON API: Bearer tokens only, the alerts filters, stories, search, the OpenAPI document."""

from __future__ import annotations

import httpx
import pytest
from console_samples import make_alert

from console.store import Store
from console.web.app import Console


@pytest.fixture
def token(console: Console) -> str:
    return console.accounts.create_token("vic")[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "path", ["/api/v1/alerts", "/api/v1/search?q=x", "/api/v1/stories/st-1", "/api/v1/openapi.json"]
)
async def test_no_api_call_without_a_token(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 401
    response = await client.get(path, headers=bearer("wwt_not-a-token"))
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


async def test_a_session_cookie_is_no_api_credential(session: httpx.AsyncClient) -> None:
    assert (await session.get("/api/v1/alerts")).status_code == 401


async def test_a_revoked_token_stops_working(client: httpx.AsyncClient, console: Console) -> None:
    token_id, token = console.accounts.create_token("ana")
    assert (await client.get("/api/v1/alerts", headers=bearer(token))).status_code == 200
    console.accounts.revoke_token(token_id)
    assert (await client.get("/api/v1/alerts", headers=bearer(token))).status_code == 401


async def test_alerts_filters_and_pages(client: httpx.AsyncClient, store: Store, token: str) -> None:
    store.add(make_alert("a", severity="critical"))
    store.add(make_alert("b", severity="low", minutes=5))
    store.add(make_alert("c", severity="high", minutes=9, regions=("Hama",)))
    everything = (await client.get("/api/v1/alerts", headers=bearer(token))).json()
    assert [a["story_key"] for a in everything["alerts"]] == ["c", "b", "a"]
    assert everything["has_next"] is False
    some = await client.get("/api/v1/alerts?severity=critical&severity=high&size=1", headers=bearer(token))
    assert [a["story_key"] for a in some.json()["alerts"]] == ["c"] and some.json()["has_next"]
    hama = await client.get("/api/v1/alerts?region=Hama", headers=bearer(token))
    assert [a["story_key"] for a in hama.json()["alerts"]] == ["c"]
    bad = await client.get("/api/v1/alerts?since=soon", headers=bearer(token))
    assert bad.status_code == 400 and "since" in bad.json()["detail"]
    assert (await client.get("/api/v1/alerts?size=0", headers=bearer(token))).status_code == 422


async def test_story_and_search(client: httpx.AsyncClient, store: Store, token: str) -> None:
    store.add(make_alert("st-1", 0))
    store.add(make_alert("st-1", 1, minutes=4))
    story = (await client.get("/api/v1/stories/st-1", headers=bearer(token))).json()
    assert story["latest"]["revision"] == 1
    assert [r["alert"]["revision"] for r in story["revisions"]] == [0, 1]
    assert story["revisions"][0]["deliveries"] == []  # nothing reported by deliver yet
    assert [r["item_id"] for r in story["reports"]] == ["it-st-1-0", "it-st-1-1"]
    missing = await client.get("/api/v1/stories/nope", headers=bearer(token))
    assert missing.status_code == 404 and missing.json()["detail"]
    found = (await client.get("/api/v1/search?q=frappes", headers=bearer(token))).json()
    assert {a["alert_id"] for a in found["alerts"]} == {"al-st-1-0", "al-st-1-1"}
    assert (await client.get("/api/v1/search", headers=bearer(token))).status_code == 422


async def test_the_openapi_document_and_no_cdn_docs(client: httpx.AsyncClient, token: str) -> None:
    doc = (await client.get("/api/v1/openapi.json", headers=bearer(token))).json()
    assert {"/api/v1/alerts", "/api/v1/search", "/api/v1/stories/{story_key}"} <= set(doc["paths"])
    assert not any(p.startswith(("/login", "/stories", "/events")) for p in doc["paths"])
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert (await client.get(path)).status_code in (303, 404)
