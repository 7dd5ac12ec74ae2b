"""Paying invoices: intents for an invoice, pay-first orders that are invoiced, and refunds that take
money back from invoices or out of the customer's credit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from faktura.kit.db import Database
from faktura.models import CustomerCredit
from tests.asserts import error_code, invalid_fields
from tests.factories import Api, customer_body
from tests.invoices.helpers import assert_books_agree
from tests.payments.support import INTENTS, ORDER_TOTAL, confirm, ledger, new_order, paid_intent

INVOICES = "/api/v1/Invoices"
REFUNDS = "/api/v1/Refunds"
LINES = [
    {"description": "Widget", "quantity": "2", "unitPrice": 10000, "taxRate": "25"},
    {"description": "Cookbook", "quantity": "1", "unitPrice": 20000, "taxRate": "15"},
]


async def _invoice(api: Api, *, finalize: bool = True) -> dict[str, Any]:
    customer = await api.created("/api/v1/Customers", customer_body())
    invoice = await api.created(INVOICES, {"customerId": customer["id"], "currency": "NOK", "items": LINES})
    if finalize:
        response = await api.post(f"{INVOICES}/{invoice['id']}/finalize")
        assert response.status_code == 200, response.text
        invoice = response.json()
    return invoice


def _body(invoice: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {"invoiceId": invoice["id"], "amount": invoice["amountDue"], "currency": "NOK", "gateway": "test"}
    body.update(overrides)
    return body


async def _invoice_of(api: Api, invoice_id: str) -> dict[str, Any]:
    return dict((await api.get(f"{INVOICES}/{invoice_id}")).json())


async def _credit_balance(database: Database, customer_id: str) -> int:
    async with database.transaction(write=False) as session:
        total = await session.scalar(
            select(func.coalesce(func.sum(CustomerCredit.amount), 0)).where(
                CustomerCredit.customer_id == customer_id
            )
        )
    return int(total or 0)


async def test_a_card_pays_an_invoice(api: Api, database: Database) -> None:
    invoice = await _invoice(api)
    assert invoice["amountDue"] == ORDER_TOTAL
    response = await api.post(INTENTS, json=_body(invoice, amount=ORDER_TOTAL - 1))
    assert invalid_fields(response) == [("amount", "amount_mismatch")]
    intent = await api.created(INTENTS, _body(invoice))
    assert (intent["invoiceId"], intent["orderId"], intent["customerId"]) == (
        invoice["id"],
        None,
        invoice["customerId"],
    )
    paid = (await confirm(api, intent["id"], "tok_success")).json()
    assert paid["status"] == "succeeded"
    after = await _invoice_of(api, invoice["id"])
    assert (after["status"], after["amountDue"], after["amountPaid"]) == ("paid", 0, ORDER_TOTAL)
    kinds = [e.kind for e in await ledger(database, api.merchant_id)]
    assert kinds == ["invoice_finalized", "payment_received", "payment_applied"]
    await assert_books_agree(database, api.merchant_id)
    assert error_code(await api.post(INTENTS, json=_body(invoice, amount=1)), 409) == "invoice_already_paid"


async def test_only_a_finalized_unpaid_invoice_takes_an_intent(api: Api) -> None:
    draft = await _invoice(api, finalize=False)
    response = await api.post(INTENTS, json=_body(draft, amount=ORDER_TOTAL))
    assert error_code(response, 409) == "invoice_not_finalized"
    response = await api.post(INTENTS, json=_body(draft, invoiceId="inv_missing"))
    assert invalid_fields(response) == [("invoiceId", "invoice_not_found")]
    invoice = await _invoice(api)
    response = await api.post(INTENTS, json=_body(invoice, gateway="invoice"))
    assert invalid_fields(response) == [("gateway", "gateway_not_applicable")]


async def test_a_bank_transfer_for_an_invoice_uses_the_invoices_kid(api: Api, database: Database) -> None:
    invoice = await _invoice(api)
    assert invoice["paymentReference"]
    intent = await api.created(INTENTS, _body(invoice, gateway="manual"))
    assert intent["paymentReference"] == invoice["paymentReference"]
    assert intent["nextAction"]["bankTransfer"]["paymentReference"] == invoice["paymentReference"]
    response = await api.post(f"{INTENTS}/{intent['id']}/mark-received", json={"amount": ORDER_TOTAL})
    assert response.json()["status"] == "succeeded"
    assert (await _invoice_of(api, invoice["id"]))["status"] == "paid"
    await assert_books_agree(database, api.merchant_id)


async def test_an_invoice_paid_elsewhere_meanwhile_refuses_the_stale_intent(api: Api) -> None:
    invoice = await _invoice(api)
    stale = await api.created(INTENTS, _body(invoice))
    fresh = await api.created(INTENTS, _body(invoice, gateway="manual"))
    await api.post(f"{INTENTS}/{fresh['id']}/mark-received", json={"amount": ORDER_TOTAL})
    ended = (await api.get(f"{INTENTS}/{stale['id']}")).json()
    assert ended["status"] == "canceled"
    assert ended["cancellationReason"] == "superseded"


async def test_refunding_an_invoice_payment_leaves_the_invoice_owing(api: Api, database: Database) -> None:
    invoice = await _invoice(api)
    intent = await api.created(INTENTS, _body(invoice, paymentMethodToken="tok_success"))
    await api.created(REFUNDS, {"paymentIntentId": intent["id"], "amount": 10000})
    after = await _invoice_of(api, invoice["id"])
    assert (after["status"], after["amountDue"]) == ("partially_paid", 10000)
    kinds = [e.kind for e in await ledger(database, api.merchant_id)]
    assert kinds[-2:] == ["payment_unapplied", "refund"]
    await assert_books_agree(database, api.merchant_id)


async def test_a_pay_first_order_is_invoiced_then_refunded(api: Api, database: Database) -> None:
    paid = await paid_intent(api)
    invoice = await api.created(INVOICES, {"orderId": paid["orderId"], "finalize": True})
    assert (invoice["status"], invoice["amountDue"]) == ("paid", 0)
    assert (await api.get(f"/api/v1/Orders/{paid['orderId']}")).json()["status"] == "completed"
    await api.created(REFUNDS, {"paymentIntentId": paid["id"]})
    after = await _invoice_of(api, invoice["id"])
    assert (after["status"], after["amountDue"]) == ("open", ORDER_TOTAL)
    # An invoiced order is not cancelled by the refund: its invoice now says what is owed.
    assert (await api.get(f"/api/v1/Orders/{paid['orderId']}")).json()["status"] == "completed"
    await assert_books_agree(database, api.merchant_id)


async def test_a_refund_after_a_credit_note_pays_out_the_credit(api: Api, database: Database) -> None:
    invoice = await _invoice(api)
    intent = await api.created(INTENTS, _body(invoice, paymentMethodToken="tok_success"))
    credited = await api.post(f"{INVOICES}/{invoice['id']}/credit")
    assert credited.status_code == 201, credited.text
    assert await _credit_balance(database, invoice["customerId"]) == ORDER_TOTAL
    await api.created(REFUNDS, {"paymentIntentId": intent["id"]})
    after = await _invoice_of(api, invoice["id"])
    assert after["amountDue"] == 0
    assert after["status"] == "paid"
    assert await _credit_balance(database, invoice["customerId"]) == 0
    await assert_books_agree(database, api.merchant_id)


async def test_an_overpayment_becomes_credit_and_its_refund_takes_the_credit_first(
    api: Api, database: Database
) -> None:
    order = await new_order(api)
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    invoice = (await api.post(f"{INVOICES}/{invoice['id']}/finalize")).json()
    widget = invoice["items"][0]["id"]
    note = await api.post(
        f"{INVOICES}/{invoice['id']}/credit", json={"items": [{"invoiceItemId": widget, "quantity": "1"}]}
    )
    assert note.status_code == 201, note.text
    due = (await _invoice_of(api, invoice["id"]))["amountDue"]
    assert due == ORDER_TOTAL - 12500
    # The order still asks for its whole total; what the invoice no longer owes becomes credit.
    order = (await api.get(f"/api/v1/Orders/{order['id']}")).json()
    intent = await api.created(
        INTENTS,
        {
            "orderId": order["id"],
            "amount": ORDER_TOTAL,
            "currency": "NOK",
            "paymentMethodToken": "tok_success",
        },
    )
    assert intent["status"] == "succeeded"
    assert (await _invoice_of(api, invoice["id"]))["status"] == "paid"
    assert await _credit_balance(database, order["customerId"]) == 12500
    await assert_books_agree(database, api.merchant_id)

    await api.created(REFUNDS, {"paymentIntentId": intent["id"], "amount": 12500})
    assert await _credit_balance(database, order["customerId"]) == 0
    assert (await _invoice_of(api, invoice["id"]))["status"] == "paid"
    await assert_books_agree(database, api.merchant_id)

    await api.created(REFUNDS, {"paymentIntentId": intent["id"], "amount": 5000})
    after = await _invoice_of(api, invoice["id"])
    assert (after["status"], after["amountDue"]) == ("partially_paid", 5000)
    await assert_books_agree(database, api.merchant_id)


async def test_a_bank_transfer_may_pay_an_invoice_in_part_and_a_second_pays_the_rest(
    api: Api, database: Database
) -> None:
    invoice = await _invoice(api)
    due = invoice["amountDue"]
    first = await api.created(INTENTS, _body(invoice, gateway="manual"))
    received = await api.post(f"{INTENTS}/{first['id']}/mark-received", json={"amount": 10000})
    assert received.status_code == 200, received.text
    assert received.json()["amountReceived"] == 10000
    part = await _invoice_of(api, invoice["id"])
    assert (part["status"], part["amountPaid"], part["amountDue"]) == ("partially_paid", 10000, due - 10000)
    # The rest arrives as a second transfer, a little too much: the excess is the customer's credit.
    second = await api.created(INTENTS, _body(part, gateway="manual"))
    rest = await api.post(f"{INTENTS}/{second['id']}/mark-received", json={"amount": due - 10000 + 500})
    assert rest.status_code == 200, rest.text
    paid = await _invoice_of(api, invoice["id"])
    assert (paid["status"], paid["amountDue"]) == ("paid", 0)
    credit = (await api.get("/api/v1/CustomerCredits", params={"customerId": paid["customerId"]})).json()
    assert credit["balances"] == [{"currency": "NOK", "amount": 500}]
    await assert_books_agree(database, api.merchant_id)


async def test_what_a_refund_reopens_on_an_invoice_can_be_paid_again(api: Api, database: Database) -> None:
    invoice = await _invoice(api)
    intent = await api.created(INTENTS, _body(invoice))
    assert (await confirm(api, intent["id"], "tok_success")).json()["status"] == "succeeded"
    await api.created(REFUNDS, {"paymentIntentId": intent["id"], "amount": 5000})
    reopened = await _invoice_of(api, invoice["id"])
    assert (reopened["status"], reopened["amountDue"]) == ("partially_paid", 5000)
    again = await api.created(INTENTS, _body(reopened))
    assert (await confirm(api, again["id"], "tok_success")).json()["status"] == "succeeded"
    assert (await _invoice_of(api, invoice["id"]))["status"] == "paid"
    await assert_books_agree(database, api.merchant_id)
