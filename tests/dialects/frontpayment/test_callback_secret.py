"""The merchant's Front Payment callback secret, read over the native API."""

from __future__ import annotations

import httpx

from faktura.kit.db import Database
from faktura.merchants import service as merchants
from tests.factories import Api, new_merchant

SECRET = "/api/v1/Merchant/callbackSecret"


async def test_the_callback_secret_is_the_merchants_own_and_stays_the_same(
    api: Api, client: httpx.AsyncClient, database: Database
) -> None:
    first = await api.get(SECRET)
    assert first.status_code == 200, first.text
    secret = first.json()["callbackSecret"]
    assert secret.startswith("fpcs_")
    assert len(secret) > 40
    assert (await api.get(SECRET)).json() == {"callbackSecret": secret}
    async with database.transaction() as session:
        assert await merchants.callback_secret(session, api.merchant_id) == secret
    other = await new_merchant(client, database)
    assert (await other.get(SECRET)).json()["callbackSecret"] != secret


async def test_the_callback_secret_needs_the_merchants_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(SECRET)).status_code == 401
