"""Helpers of the payments tests: orders to pay, intents, signed callbacks, and the ledger as stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.ids import new_id
from faktura.models import JournalEntry, JournalLine, Payment, PaymentMethod
from faktura.payments.gateways import get_test_gateway
from faktura.payments.gateways.base import Decline
from faktura.payments.gateways.test import EVENT_FAILED, EVENT_SUCCEEDED
from tests.factories import Api, customer_body, order_body

INTENTS = "/api/v1/PaymentIntents"
CALLBACKS = "/api/v1/PaymentGateways/test/callbacks"
ORDER_TOTAL = 48000  # order_body(): 2 x 100.00 at 25 % + 200.00 at 15 %


async def new_order(api: Api, *, customer: bool = True, **overrides: Any) -> dict[str, Any]:
    if customer and "customerId" not in overrides:
        overrides["customerId"] = (await api.created("/api/v1/Customers", customer_body()))["id"]
    order = await api.created("/api/v1/Orders", order_body(**overrides))
    assert order["total"] == ORDER_TOTAL or "items" in overrides
    return order


def intent_body(order: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "orderId": order["id"],
        "amount": order["total"],
        "currency": order["currency"],
        "gateway": "test",
        "returnUrl": "https://shop.example/return",
        "cancelUrl": "https://shop.example/cancel",
    }
    body.update(overrides)
    return body


async def new_intent(api: Api, order: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    order = order or await new_order(api)
    return await api.created(INTENTS, intent_body(order, **overrides))


async def confirm(api: Api, intent_id: str, token: str) -> httpx.Response:
    return await api.post(f"{INTENTS}/{intent_id}/confirm", json={"paymentMethodToken": token})


async def paid_intent(api: Api, **overrides: Any) -> dict[str, Any]:
    """A succeeded intent for a fresh order of a customer."""
    intent = await new_intent(api, **overrides)
    response = await confirm(api, intent["id"], "tok_success")
    assert response.json()["status"] == "succeeded", response.text
    return dict(response.json())


def signed_callback(
    settings: Settings,
    reference: str,
    *,
    succeeded: bool = True,
    event_id: str | None = None,
    timestamp: int | None = None,
    decline: Decline | None = None,
) -> tuple[bytes, dict[str, str]]:
    gateway = get_test_gateway(settings)
    kind = EVENT_SUCCEEDED if succeeded else EVENT_FAILED
    return gateway.signed_callback(kind, reference, event_id=event_id, timestamp=timestamp, decline=decline)


@dataclass(frozen=True)
class Entry:
    kind: str
    source_type: str
    source_id: str
    lines: list[tuple[str, int, int, str | None]]  # account, debit, credit, customer


async def ledger(database: Database, merchant_id: str) -> list[Entry]:
    """The merchant's journal as stored, oldest first; each entry's lines in order."""
    async with database.transaction(write=False) as session:
        entries = (
            await session.scalars(
                select(JournalEntry).where(JournalEntry.merchant_id == merchant_id).order_by(JournalEntry.id)
            )
        ).all()
        lines = (
            await session.scalars(
                select(JournalLine)
                .where(JournalLine.merchant_id == merchant_id)
                .order_by(JournalLine.entry_id, JournalLine.position)
            )
        ).all()
    by_entry: dict[str, list[tuple[str, int, int, str | None]]] = {}
    for line in lines:
        by_entry.setdefault(line.entry_id, []).append(
            (line.account, line.debit, line.credit, line.customer_id)
        )
    result = [Entry(e.kind, e.source_type, e.source_id, by_entry.get(e.id, [])) for e in entries]
    for entry in result:
        assert sum(d for _, d, _, _ in entry.lines) == sum(c for _, _, c, _ in entry.lines), entry
    return result


async def payment_of(database: Database, intent_id: str) -> Payment:
    async with database.transaction(write=False) as session:
        payment = await session.scalar(select(Payment).where(Payment.payment_intent_id == intent_id))
    assert payment is not None
    return payment


METHODS = "/api/v1/PaymentMethods"


def methods_of(customer_id: str) -> str:
    return f"/api/v1/Customers/{customer_id}/PaymentMethods"


async def saved_by_paying(api: Api, **order_overrides: Any) -> dict[str, Any]:
    """A card saved the way a payer saves one: an order of a customer paid with setupFutureUsage. The
    saved payment method."""
    order = await new_order(api, **order_overrides)
    intent = await new_intent(api, order, paymentMethodToken="tok_success", setupFutureUsage="off_session")
    assert intent["status"] == "succeeded", intent
    response = await api.get(f"{METHODS}/{intent['paymentMethodId']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def stored_card(
    database: Database,
    settings: Settings,
    api: Api,
    customer_id: str,
    token: str,
    *,
    saved_at: datetime | None = None,
) -> str:
    """The id of a card saved earlier whose number now has `token`'s outcome.

    Saving goes through a payment that succeeds, and the test gateway ties a card's outcome to its
    number for good, so a card the issuer declines later cannot be saved by paying: the row is written
    as saving writes it, with the gateway's own reusable token (`saved_at` dates the card, and its
    expiry with it, back to then).
    """
    clock.freeze(saved_at)
    try:
        saved = get_test_gateway(settings).save_card(token)
    finally:
        clock.freeze(None)
    async with database.transaction() as session:
        method = PaymentMethod(
            id=new_id("pm"),
            merchant_id=api.merchant_id,
            customer_id=customer_id,
            gateway="test",
            token=saved.token,
            brand=saved.card.brand,
            last4=saved.card.last4,
            exp_month=saved.card.exp_month,
            exp_year=saved.card.exp_year,
            created_at=clock.now(),
        )
        session.add(method)
    return method.id
