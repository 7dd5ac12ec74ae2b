from __future__ import annotations

import base64
import json
from datetime import timedelta

import httpx
import jwt
import pytest

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from tests.factories import Api, new_merchant


def _forge(settings: Settings, api: Api, **changes: object) -> str:
    claims = jwt.decode(api.token, options={"verify_signature": False})
    claims.update(changes)
    return jwt.encode(claims, settings.resolved_secret_key, algorithm="HS256")


async def _status_with(client: httpx.AsyncClient, token: str) -> tuple[int, str]:
    response = await client.get("/api/v1/Customers", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()["error"]["code"] if response.status_code != 200 else ""


async def test_token_exchange_returns_a_short_lived_bearer_token(api: Api, settings: Settings) -> None:
    response = await api.client.post("/api/v1/Auth/token", json={"apiKey": api.api_key})
    body = response.json()
    assert response.status_code == 200
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == settings.access_token_ttl
    claims = jwt.decode(
        body["accessToken"],
        settings.resolved_secret_key,
        algorithms=["HS256"],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )
    assert claims["sub"] == api.merchant_id
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl


@pytest.mark.parametrize("key", ["fk_not-a-real-key", "", "x" * 201])
async def test_a_wrong_api_key_gets_no_token(client: httpx.AsyncClient, key: str) -> None:
    response = await client.post("/api/v1/Auth/token", json={"apiKey": key})
    assert response.status_code in (401, 422)
    if response.status_code == 401:
        assert response.json()["error"]["code"] == "invalid_api_key"


async def test_every_native_route_needs_a_token(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/Customers", "/api/v1/Orders", "/api/v1/Currencies", "/api/v1/TaxRules"):
        response = await client.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "missing_token"
        assert response.headers["www-authenticate"] == "Bearer"


async def test_alg_none_is_rejected(api: Api) -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    claims = jwt.decode(api.token, options={"verify_signature": False})
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    unsigned = f"{header.decode()}.{payload.decode()}."
    assert await _status_with(api.client, unsigned) == (401, "invalid_token")


async def test_a_token_signed_with_another_key_is_rejected(api: Api) -> None:
    claims = jwt.decode(api.token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-secret-that-is-long-enough-32b", algorithm="HS256")
    assert await _status_with(api.client, forged) == (401, "invalid_token")


async def test_wrong_audience_or_issuer_is_rejected(api: Api, settings: Settings) -> None:
    assert await _status_with(api.client, _forge(settings, api, aud="someone-else")) == (401, "invalid_token")
    assert await _status_with(api.client, _forge(settings, api, iss="someone-else")) == (401, "invalid_token")


async def test_an_expired_token_is_rejected(api: Api, settings: Settings) -> None:
    past = int((clock.now() - timedelta(hours=1)).timestamp())
    expired = _forge(settings, api, iat=past - 60, nbf=past - 60, exp=past)
    assert await _status_with(api.client, expired) == (401, "token_expired")


async def test_a_token_without_expiry_is_rejected(api: Api, settings: Settings) -> None:
    claims = jwt.decode(api.token, options={"verify_signature": False})
    del claims["exp"]
    token = jwt.encode(claims, settings.resolved_secret_key, algorithm="HS256")
    assert await _status_with(api.client, token) == (401, "invalid_token")


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(api: Api) -> None:
    first = (await api.client.post("/api/v1/Auth/token", json={"apiKey": api.api_key})).json()
    second = await api.client.post("/api/v1/Auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refreshToken"] != first["refreshToken"]
    assert await _status_with(api.client, rotated["accessToken"]) == (200, "")

    replay = await api.client.post("/api/v1/Auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "invalid_refresh_token"
    # The theft response: the rotated token of the same family no longer works either.
    after = await api.client.post("/api/v1/Auth/refresh", json={"refreshToken": rotated["refreshToken"]})
    assert after.status_code == 401


async def test_refresh_with_an_unknown_token_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/Auth/refresh", json={"refreshToken": "fkr_nothing"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_refresh_token"


async def test_a_merchant_never_sees_another_merchants_data(api: Api, database: Database) -> None:
    other = await new_merchant(api.client, database)
    customer = await api.created("/api/v1/Customers", {"type": "private", "name": "Ola"})
    for path in (f"/api/v1/Customers/{customer['id']}",):
        assert (await other.get(path)).status_code == 404
        assert (await other.patch(path, json={"name": "Mine"})).status_code == 404
        assert (await other.delete(path)).status_code == 404
    listed = (await other.get("/api/v1/Customers")).json()["data"]
    assert customer["id"] not in [c["id"] for c in listed]
    assert (await api.get(f"/api/v1/Customers/{customer['id']}")).json()["name"] == "Ola"
