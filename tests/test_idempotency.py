from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from faktura import idempotency
from faktura.idempotency import PendingKey
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import IdempotencyKey
from tests.factories import Api, new_merchant, order_body


async def _orders(api: Api) -> list[str]:
    return [o["id"] for o in (await api.get("/api/v1/Orders", params={"limit": 100})).json()["data"]]


async def test_same_key_and_body_replays_the_first_response(api: Api) -> None:
    headers = {"Idempotency-Key": "order-1"}
    first = await api.post("/api/v1/Orders", json=order_body(), headers=headers)
    again = await api.post("/api/v1/Orders", json=order_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _orders(api) == [first.json()["id"]]


async def test_key_order_and_spacing_of_the_json_do_not_matter(api: Api) -> None:
    headers = {"Idempotency-Key": "spacing", "Content-Type": "application/json"}
    compact = b'{"currency":"NOK","items":[{"description":"A","unitPrice":100,"taxRate":"25"}]}'
    spaced = b'{ "items": [ {"taxRate": "25", "unitPrice": 100, "description": "A"} ], "currency": "NOK" }'
    first = await api.post("/api/v1/Orders", content=compact, headers=headers)
    again = await api.post("/api/v1/Orders", content=spaced, headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]


async def test_same_key_with_another_body_is_a_422(api: Api) -> None:
    headers = {"Idempotency-Key": "reused"}
    await api.created("/api/v1/Orders", order_body(), headers=headers)
    other = await api.post(
        "/api/v1/Orders", json=order_body(currency="NOK", description="changed"), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert len(await _orders(api)) == 1


async def test_same_key_on_another_route_is_a_422(api: Api) -> None:
    headers = {"Idempotency-Key": "shared"}
    await api.created("/api/v1/Orders", order_body(), headers=headers)
    response = await api.post("/api/v1/Customers", json={"type": "private", "name": "X"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


async def test_keys_belong_to_one_merchant(api: Api, database: Database) -> None:
    other = await new_merchant(api.client, database)
    headers = {"Idempotency-Key": "same-key"}
    mine = await api.created("/api/v1/Orders", order_body(), headers=headers)
    theirs = await other.created("/api/v1/Orders", order_body(), headers=headers)
    assert mine["id"] != theirs["id"]


async def test_a_failed_request_does_not_consume_the_key(api: Api) -> None:
    headers = {"Idempotency-Key": "after-error"}
    bad = await api.post("/api/v1/Orders", json=order_body(currency="XYZ"), headers=headers)
    assert bad.status_code == 422
    good = await api.post("/api/v1/Orders", json=order_body(), headers=headers)
    assert good.status_code == 201


async def test_keys_expire_after_the_retention(api: Api) -> None:
    headers = {"Idempotency-Key": "old"}
    first = await api.created("/api/v1/Orders", order_body(), headers=headers)
    clock.freeze(clock.now() + timedelta(hours=25))
    try:
        again = await api.post("/api/v1/Orders", json=order_body(), headers=headers)
    finally:
        clock.freeze(None)
    assert again.status_code == 201
    assert again.json()["id"] != first["id"]


async def test_an_unusable_key_is_a_400(api: Api) -> None:
    response = await api.post("/api/v1/Orders", json=order_body(), headers={"Idempotency-Key": "x" * 256})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"


async def test_fifty_concurrent_identical_posts_make_exactly_one_order(api: Api, backend: str) -> None:
    headers = {"Idempotency-Key": "burst"}
    responses = await asyncio.gather(
        *(api.post("/api/v1/Orders", json=order_body(), headers=headers) for _ in range(50))
    )
    statuses = {r.status_code for r in responses}
    assert statuses <= {201, 409}, [r.text for r in responses if r.status_code not in (201, 409)]
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert await _orders(api) == list(created)
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json()["error"]["code"] == "idempotency_request_in_progress"
    if backend == "postgresql":
        # On PostgreSQL the requests really overlap: most of them meet the first one still running.
        assert sum(r.status_code == 409 for r in responses) > 0


async def test_a_duplicate_that_commits_second_is_a_409_and_stores_nothing(
    api: Api, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look-up found no key, but a request with the same key committed before this one: on SQLite
    the look-up reads outside the write lock, and this is how two overlapping duplicates end."""
    look_up = idempotency.begin

    async def look_up_then_the_other_commits(request: Any, session: Any, *args: Any) -> None:
        await look_up(request, session, *args)
        pending: PendingKey | None = getattr(request.state, "idempotency", None)
        if pending is None:
            return
        row = {"merchant_id": pending.merchant_id, "key": pending.key, "request_hash": "0" * 64}
        row |= {"response_status": 201, "response_body": b"{}", "content_type": "application/json"}
        async with database.transaction() as other:
            await other.execute(insert(IdempotencyKey).values(**row, created_at=clock.now()))

    monkeypatch.setattr(idempotency, "begin", look_up_then_the_other_commits)
    response = await api.post("/api/v1/Orders", json=order_body(), headers={"Idempotency-Key": "late"})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "idempotency_request_in_progress"
    assert await _orders(api) == []
