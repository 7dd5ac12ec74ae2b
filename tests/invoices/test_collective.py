"""Collective invoicing (seed 004's separateInvoices false): a customer's collective orders are billed
on one invoice on their interval's billing day, in the merchant's time zone (Europe/Oslo here)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from faktura.config import Settings
from faktura.invoices import collective
from faktura.kit import clock
from faktura.kit.db import Database
from tests.events.support import assert_latest_match, events_of
from tests.factories import Api
from tests.invoices.helpers import INVOICES, assert_books_agree, customer

ORDERS = "/api/v1/Orders"
WIDGET = {"description": "Widget", "quantity": "2", "unitPrice": 10000, "taxRate": "25"}  # 25000
BOOK = {"description": "Cookbook", "quantity": "1", "unitPrice": 20000, "taxRate": "15"}  # 23000


@pytest.fixture
def at() -> Iterator[Any]:
    """Move the clock: `at(2026, 3, 10, 12)` is that UTC moment from now on."""

    def move(*parts: int) -> datetime:
        moment = datetime(*parts, tzinfo=UTC)  # type: ignore[misc]
        clock.freeze(moment)
        return moment

    yield move
    clock.freeze(None)


async def collective_order(api: Api, customer_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"customerId": customer_id, "separateInvoices": False, "items": [WIDGET]}
    body.update(overrides)
    return await api.created(ORDERS, body)


async def run(database: Database, settings: Settings) -> int:
    return await collective.collect_due(database, settings, clock.now())


async def invoices_of(api: Api) -> list[dict[str, Any]]:
    response = await api.get(INVOICES, params={"limit": 100})
    assert response.status_code == 200, response.text
    return sorted(response.json()["data"], key=lambda invoice: invoice["id"])


async def order(api: Api, order_id: str) -> dict[str, Any]:
    response = await api.get(f"{ORDERS}/{order_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_daily_orders_are_billed_together_at_the_next_days_start(
    api: Api, database: Database, settings: Settings, at: Any
) -> None:
    at(2026, 3, 10, 9)
    buyer = await customer(api)
    first = await collective_order(api, buyer, reference="PO-1")
    at(2026, 3, 10, 15)
    second = await collective_order(api, buyer, reference="PO-2", items=[BOOK], invoiceInterval="daily")
    alone = await api.created(ORDERS, {"customerId": buyer, "items": [WIDGET]})
    # Midnight in Oslo (UTC+1 in March) is 23:00 UTC.
    assert (first["invoiceInterval"], first["separateInvoices"]) == ("daily", False)
    assert first["collectOn"] == second["collectOn"] == "2026-03-10T23:00:00Z"
    assert (alone["separateInvoices"], alone["collectOn"], alone["invoiceId"]) == (True, None, None)

    at(2026, 3, 10, 22, 59)
    await run(database, settings)
    assert await invoices_of(api) == []

    at(2026, 3, 10, 23)
    await run(database, settings)
    [invoice] = await invoices_of(api)
    assert invoice["orderIds"] == [first["id"], second["id"]]
    assert invoice["orderId"] is None
    assert (invoice["status"], invoice["number"], invoice["customerId"]) == ("open", 1, buyer)
    assert invoice["sentAt"] == "2026-03-10T23:00:00Z"
    assert invoice["issueDate"] == "2026-03-10"  # issue dates are UTC dates
    assert [item["description"] for item in invoice["items"]] == ["PO-1: Widget", "PO-2: Cookbook"]
    assert invoice["total"] == invoice["amountDue"] == 25000 + 23000
    for placed in (first, second):
        billed = await order(api, placed["id"])
        assert (billed["status"], billed["invoiceId"]) == ("open", invoice["id"])
    assert (await order(api, alone["id"]))["status"] == "draft"  # invoiced as before: by a request

    at(2026, 3, 11, 23)
    await run(database, settings)  # nothing is billed twice
    assert len(await invoices_of(api)) == 1
    events = await events_of(api)
    told = [e["type"] for e in events if e["resource"] == "invoice" and e["type"] != "invoice.updated"]
    assert told == ["invoice.created", "invoice.finalized", "invoice.sent"]
    await assert_latest_match(api, events)  # the orders' last events show their invoice
    await assert_books_agree(database, api.merchant_id)


async def test_monthly_orders_wait_for_the_first_of_the_next_month_in_the_merchants_zone(
    api: Api, database: Database, settings: Settings, at: Any
) -> None:
    buyer = await customer(api)
    at(2026, 1, 31, 12)
    january = await collective_order(api, buyer, invoiceInterval="monthly", reference="JAN")
    at(2026, 1, 31, 23, 30)  # 00:30 on 1 February in Oslo: February's order
    february = await collective_order(api, buyer, invoiceInterval="monthly", reference="FEB")
    assert january["collectOn"] == "2026-01-31T23:00:00Z"  # 1 February, 00:00 in Oslo
    assert february["collectOn"] == "2026-02-28T23:00:00Z"  # 1 March, 00:00 in Oslo

    at(2026, 2, 1, 6)
    await run(database, settings)
    [first] = await invoices_of(api)
    assert first["orderIds"] == [january["id"]]

    at(2026, 2, 27, 12)
    await run(database, settings)
    assert len(await invoices_of(api)) == 1
    at(2026, 2, 28, 23)
    await run(database, settings)
    invoices = await invoices_of(api)
    assert [invoice["orderIds"] for invoice in invoices] == [[january["id"]], [february["id"]]]
    await assert_books_agree(database, api.merchant_id)


async def test_twice_monthly_orders_are_billed_on_the_16th_and_the_1st(
    api: Api, database: Database, settings: Settings, at: Any
) -> None:
    buyer = await customer(api)
    at(2026, 3, 3, 10)
    early = await collective_order(api, buyer, invoiceInterval="twice_monthly")
    at(2026, 3, 16, 10)
    mid = await collective_order(api, buyer, invoiceInterval="twice_monthly")
    at(2026, 3, 20, 10)
    late = await collective_order(api, buyer, invoiceInterval="twice_monthly", items=[BOOK])
    assert early["collectOn"] == "2026-03-15T23:00:00Z"  # the 16th in Oslo
    # The 1st of April in Oslo, on summer time since 29 March: UTC+2.
    assert mid["collectOn"] == late["collectOn"] == "2026-03-31T22:00:00Z"

    at(2026, 3, 20, 11)
    await run(database, settings)
    [sixteenth] = await invoices_of(api)
    assert sixteenth["orderIds"] == [early["id"]]

    at(2026, 3, 31, 22)
    await run(database, settings)
    invoices = await invoices_of(api)
    assert [invoice["orderIds"] for invoice in invoices] == [[early["id"]], [mid["id"], late["id"]]]
    assert invoices[1]["total"] == 25000 + 23000
    await assert_books_agree(database, api.merchant_id)


async def test_orders_are_grouped_by_customer_currency_and_payment_terms(
    api: Api, database: Database, settings: Settings, at: Any
) -> None:
    assert (await api.put("/api/v1/Currencies/EUR", json={"accepted": True})).status_code == 200
    at(2026, 5, 4, 8)
    buyer, other = await customer(api), await customer(api, name="Ola Nordmann")
    nok = [await collective_order(api, buyer) for _ in range(2)]
    eur = await collective_order(api, buyer, currency="EUR")
    net30 = await collective_order(api, buyer, paymentTermsDays=30)
    theirs = await collective_order(api, other)
    at(2026, 5, 5, 3)
    await run(database, settings)
    invoices = {tuple(invoice["orderIds"]): invoice for invoice in await invoices_of(api)}
    assert set(invoices) == {
        (nok[0]["id"], nok[1]["id"]),
        (eur["id"],),
        (net30["id"],),
        (theirs["id"],),
    }
    assert invoices[(eur["id"],)]["currency"] == "EUR"
    assert invoices[(net30["id"],)]["paymentTermsDays"] == 30
    assert invoices[(net30["id"],)]["dueDate"] == "2026-06-04"
    assert invoices[(nok[0]["id"], nok[1]["id"])]["paymentTermsDays"] == 14  # the merchant's
    assert invoices[(theirs["id"],)]["customerId"] == other
    await assert_books_agree(database, api.merchant_id)


async def test_a_cancelled_or_separately_invoiced_order_is_left_out(
    api: Api, database: Database, settings: Settings, at: Any
) -> None:
    at(2026, 6, 1, 8)
    buyer = await customer(api)
    kept, cancelled, invoiced = [await collective_order(api, buyer) for _ in range(3)]
    response = await api.post(f"{ORDERS}/{cancelled['id']}/cancel")
    assert response.status_code == 200, response.text
    alone = await api.created(INVOICES, {"orderId": invoiced["id"], "finalize": True})
    at(2026, 6, 2, 8)
    await run(database, settings)
    collected = [invoice for invoice in await invoices_of(api) if invoice["id"] != alone["id"]]
    assert [invoice["orderIds"] for invoice in collected] == [[kept["id"]]]
    assert alone["orderIds"] == [invoiced["id"]]
    left = await order(api, cancelled["id"])
    assert (left["status"], left["invoiceId"]) == ("cancelled", None)
    assert (await order(api, invoiced["id"]))["invoiceId"] is None  # listed by /Invoices?orderId=
    await assert_books_agree(database, api.merchant_id)


async def test_runs_at_once_bill_each_order_once(
    api: Api, database: Database, settings: Settings, at: Any
) -> None:
    at(2026, 7, 1, 8)
    buyers = [await customer(api, name=f"Buyer {n}") for n in range(3)]
    placed = [await collective_order(api, buyer) for buyer in buyers for _ in range(2)]
    at(2026, 7, 2, 8)
    await asyncio.gather(*(run(database, settings) for _ in range(3)))
    invoices = await invoices_of(api)
    assert len(invoices) == 3
    billed = [order_id for invoice in invoices for order_id in invoice["orderIds"]]
    assert sorted(billed) == sorted(o["id"] for o in placed)
    assert sorted(invoice["number"] for invoice in invoices) == [1, 2, 3]
    await assert_books_agree(database, api.merchant_id)


async def test_paying_a_collective_invoice_completes_its_orders(
    api: Api, database: Database, settings: Settings, at: Any
) -> None:
    at(2026, 8, 3, 8)
    buyer = await customer(api)
    placed = [await collective_order(api, buyer) for _ in range(2)]
    at(2026, 8, 4, 8)
    async with database.transaction() as session:
        invoice = await collective.collect(session, api.merchant_id, buyer, currency="nok")
    assert invoice is not None
    assert invoice.order_ids == [o["id"] for o in placed]
    body = {"invoiceId": invoice.id, "amount": invoice.amount_due, "currency": "NOK", "gateway": "manual"}
    intent = await api.created("/api/v1/PaymentIntents", body)
    received = await api.post(
        f"/api/v1/PaymentIntents/{intent['id']}/mark-received", json={"amount": invoice.amount_due}
    )
    assert received.status_code == 200, received.text
    assert (await api.get(f"{INVOICES}/{invoice.id}")).json()["status"] == "paid"
    for o in placed:
        assert (await order(api, o["id"]))["status"] == "completed"
    await assert_latest_match(api, await events_of(api))
    await assert_books_agree(database, api.merchant_id)


async def test_bad_collective_orders_are_refused_with_codes(api: Api) -> None:
    buyer = await customer(api)
    response = await api.post(ORDERS, json={"separateInvoices": False, "items": [WIDGET]})
    assert response.status_code == 422, response.text
    assert [(d["field"], d["code"]) for d in response.json()["error"]["details"]] == [
        ("customerId", "customer_required")
    ]
    response = await api.post(
        ORDERS, json={"customerId": buyer, "separateInvoices": False, "couponCode": "X", "items": [WIDGET]}
    )
    assert response.status_code == 422, response.text
    assert [(d["field"], d["code"]) for d in response.json()["error"]["details"]] == [
        ("couponCode", "coupon_not_collective")
    ]
    response = await api.post(
        ORDERS, json={"customerId": buyer, "invoiceInterval": "weekly", "items": [WIDGET]}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "invoiceInterval"

    draft = await api.created(ORDERS, {"items": [WIDGET]})
    response = await api.patch(f"{ORDERS}/{draft['id']}", json={"separateInvoices": False})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["code"] == "customer_required"
    response = await api.patch(f"{ORDERS}/{draft['id']}", json={"separateInvoices": None})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["code"] == "required"

    changed = await api.patch(
        f"{ORDERS}/{draft['id']}",
        json={"customerId": buyer, "separateInvoices": False, "invoiceInterval": "monthly"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["invoiceInterval"], changed.json()["collectOn"] is not None) == ("monthly", True)
    back = await api.patch(f"{ORDERS}/{draft['id']}", json={"separateInvoices": True})
    assert (back.json()["separateInvoices"], back.json()["collectOn"]) == (True, None)
