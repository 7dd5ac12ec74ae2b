"""The worker posts the test gateway's due callbacks; the app verifies and applies each once."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import Payment
from faktura.worker.gateways import post_due_callbacks
from tests.factories import Api, order_body


async def test_due_callbacks_settle_delayed_payments_once(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    order = await api.created("/api/v1/Orders", order_body())
    body = {"orderId": order["id"], "amount": order["total"], "currency": "NOK", "gateway": "test"}
    intent = await api.created("/api/v1/PaymentIntents", body)
    confirm = await api.post(
        f"/api/v1/PaymentIntents/{intent['id']}/confirm", json={"paymentMethodToken": "tok_delayed"}
    )
    assert confirm.json()["status"] == "processing"
    # Other tests' delayed charges share this database, so only this intent's fate is asserted.
    await post_due_callbacks(database, settings, client)
    assert (await _intent(api, intent["id"]))["status"] == "processing"  # not due: the gateway takes its time
    clock.freeze(clock.now() + timedelta(seconds=30))
    try:
        assert await post_due_callbacks(database, settings, client) >= 1
        await post_due_callbacks(database, settings, client)  # a second round finds it settled
    finally:
        clock.freeze(None)
    settled = await _intent(api, intent["id"])
    assert (settled["status"], settled["amountReceived"]) == ("succeeded", order["total"])
    assert (await api.get(f"/api/v1/Orders/{order['id']}")).json()["status"] == "paid"
    async with database.transaction(write=False) as session:
        received = await session.scalar(
            select(func.count()).select_from(Payment).where(Payment.payment_intent_id == intent["id"])
        )
    assert received == 1


async def _intent(api: Api, intent_id: str) -> dict[str, object]:
    return dict((await api.get(f"/api/v1/PaymentIntents/{intent_id}")).json())
