"""FarPay's pay-first flow: an order without a customer is paid, then invoiced by its token."""

from __future__ import annotations

from faktura.kit.db import Database
from faktura.ledger.postings import EntryKind
from faktura.links import service as links
from faktura.models import Payment
from tests.asserts import error_code
from tests.factories import Api, order_body
from tests.invoices.helpers import (
    INVOICES,
    assert_books_agree,
    customer,
    entries,
    move_order,
    order_token,
    payment_row,
    receive_payment,
)


async def paid_order(
    api: Api, database: Database, *extra_payments: int
) -> tuple[dict[str, object], list[str]]:
    """An anonymous order paid on its hosted page: the money is held on it (2900, no customer)."""
    order = await api.created("/api/v1/Orders", order_body())
    await move_order(database, api.merchant_id, str(order["id"]), "open", "paid")
    payments = [
        await receive_payment(database, api.merchant_id, amount, order_id=str(order["id"]))
        for amount in (int(order["total"]), *extra_payments)  # type: ignore[call-overload]
    ]
    return order, payments


async def test_the_invoice_for_a_paid_order_comes_out_paid_and_completes_the_order(
    api: Api, database: Database
) -> None:
    order, [payment_id] = await paid_order(api, database)
    customer_id = await customer(api)
    token = await order_token(database, api.merchant_id, str(order["id"]))
    invoice = await api.created(INVOICES, {"orderToken": token, "customerId": customer_id, "finalize": True})
    assert (invoice["status"], invoice["number"], invoice["orderId"]) == ("paid", 1, order["id"])
    assert (invoice["amountPaid"], invoice["amountDue"], invoice["creditApplied"]) == (order["total"], 0, 0)
    # Settled as it was issued: the document states it as prepaid (BT-113).
    assert invoice["prepaidAmount"] == order["total"]
    assert invoice["paymentReference"] is not None
    stored = (await api.get(f"/api/v1/Orders/{order['id']}")).json()
    assert (stored["status"], stored["customerId"]) == ("completed", customer_id)
    payment = await payment_row(database, payment_id)
    assert (payment.customer_id, payment.amount_applied) == (customer_id, order["total"])
    [moved] = await entries(database, api.merchant_id, EntryKind.PAYMENT_APPLIED)
    assert moved["lines"] == [("2900", order["total"], 0, None), ("1500", 0, order["total"], customer_id)]
    await assert_books_agree(database, api.merchant_id)
    again = await api.post(INVOICES, json={"orderToken": token, "customerId": customer_id, "finalize": True})
    assert error_code(again, 409) == "order_not_invoiceable"


async def test_money_held_beyond_the_invoice_becomes_the_customers_credit(
    api: Api, database: Database
) -> None:
    order, [_, duplicate] = await paid_order(api, database, 1500)
    customer_id = await customer(api)
    invoice = await api.created(
        INVOICES, {"orderId": order["id"], "customerId": customer_id, "finalize": True}
    )
    assert invoice["status"] == "paid"
    statement = (await api.get("/api/v1/CustomerCredits", params={"customerId": customer_id})).json()
    assert statement["balances"] == [{"currency": "NOK", "amount": 1500}]
    assert [(m["sourceType"], m["sourceId"]) for m in statement["data"]] == [("payment", duplicate)]
    reclassified = [
        e
        for e in await entries(database, api.merchant_id, EntryKind.PAYMENT_APPLIED)
        if e["source_type"] == "customer_credit"
    ]
    assert reclassified[0]["lines"] == [("2900", 1500, 0, None), ("2900", 0, 1500, customer_id)]
    await assert_books_agree(database, api.merchant_id)


async def test_a_partly_refunded_order_payment_pays_part_of_the_invoice(api: Api, database: Database) -> None:
    order, [payment_id] = await paid_order(api, database)
    async with database.transaction() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        payment.amount_refunded = 1000  # the payments domain refunded part of it before the invoice came
    body = {"orderId": order["id"], "customerId": await customer(api), "finalize": True}
    invoice = await api.created(INVOICES, body)
    assert (invoice["status"], invoice["amountDue"]) == ("partially_paid", 1000)
    assert (await api.get(f"/api/v1/Orders/{order['id']}")).json()["status"] == "paid"


async def test_the_payment_intents_page_token_names_its_order_too(api: Api, database: Database) -> None:
    order, [payment_id] = await paid_order(api, database)
    intent_id = (await payment_row(database, payment_id)).payment_intent_id
    async with database.transaction() as session:
        token = await links.token_for(session, api.merchant_id, links.LinkTarget.PAYMENT_INTENT, intent_id)
    body = {"orderToken": token, "customerId": await customer(api), "finalize": True}
    invoice = await api.created(INVOICES, body)
    assert (invoice["orderId"], invoice["status"]) == (order["id"], "paid")


async def test_the_invoice_for_a_paid_order_is_a_draft_until_finalized(api: Api, database: Database) -> None:
    order, [payment_id] = await paid_order(api, database)
    customer_id = await customer(api)
    draft = await api.created(INVOICES, {"orderId": order["id"], "customerId": customer_id})
    assert (draft["status"], draft["number"], draft["amountPaid"]) == ("draft", None, 0)
    assert (await payment_row(database, payment_id)).amount_applied == 0
    final = await api.post(f"{INVOICES}/{draft['id']}/finalize")
    assert final.status_code == 200
    assert (final.json()["status"], final.json()["amountDue"]) == ("paid", 0)
    assert (await api.get(f"/api/v1/Orders/{order['id']}")).json()["status"] == "completed"
    await assert_books_agree(database, api.merchant_id)
