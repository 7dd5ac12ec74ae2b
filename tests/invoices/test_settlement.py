"""The settlement contract the payments domain calls, driven with real payment rows."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.settlement import apply_payment, attach_order_payments, unapply_payment
from faktura.kit.db import Database
from faktura.kit.errors import Conflict, ResourceNotFound, ValidationFailed
from faktura.ledger.postings import EntryKind
from faktura.models import Payment, PaymentApplication
from tests.factories import Api, new_merchant, order_body
from tests.invoices.helpers import (
    INVOICES,
    LINES_TOTAL,
    assert_books_agree,
    customer,
    draft,
    entries,
    fetch,
    finalized,
    pay,
    payment_row,
    receive_payment,
)


async def apply(database: Database, api: Api, invoice_id: str, payment_id: str, amount: int) -> int:
    async with database.transaction() as session:
        return await apply_payment(
            session, invoice_id=invoice_id, payment=await _payment(session, payment_id), amount=amount
        )


async def unapply(database: Database, api: Api, payment_id: str, amount: int) -> int:
    async with database.transaction() as session:
        return await unapply_payment(session, payment=await _payment(session, payment_id), amount=amount)


async def _payment(session: AsyncSession, payment_id: str) -> Payment:
    payment = await session.get(Payment, payment_id)
    assert payment is not None
    return payment


async def attach(database: Database, api: Api, invoice_id: str) -> int:
    async with database.transaction() as session:
        return await attach_order_payments(session, merchant_id=api.merchant_id, invoice_id=invoice_id)


async def test_a_payment_settles_an_invoice_in_parts(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    first, applied = await pay(database, api, invoice, 20000)
    assert applied == 20000
    part = await fetch(api, invoice["id"])
    assert (part["status"], part["amountPaid"], part["amountDue"], part["paidAt"]) == (
        "partially_paid",
        20000,
        LINES_TOTAL - 20000,
        None,
    )
    [entry] = await entries(database, api.merchant_id, EntryKind.PAYMENT_APPLIED)
    assert entry["source_type"] == "payment_application"
    assert entry["lines"] == [
        ("2900", 20000, 0, invoice["customerId"]),
        ("1500", 0, 20000, invoice["customerId"]),
    ]
    assert (await payment_row(database, first)).amount_applied == 20000
    await pay(database, api, invoice, LINES_TOTAL - 20000)
    paid = await fetch(api, invoice["id"])
    assert (paid["status"], paid["amountPaid"], paid["amountDue"]) == ("paid", LINES_TOTAL, 0)
    assert paid["paidAt"] is not None
    assert paid["creditApplied"] == 0
    await assert_books_agree(database, api.merchant_id)


async def test_an_overpayment_becomes_customer_credit(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    payment_id, applied = await pay(database, api, invoice, LINES_TOTAL + 5000)
    assert applied == LINES_TOTAL
    assert (await fetch(api, invoice["id"]))["status"] == "paid"
    payment = await payment_row(database, payment_id)
    assert (payment.amount_applied, payment.customer_id) == (LINES_TOTAL, invoice["customerId"])
    statement = (
        await api.get("/api/v1/CustomerCredits", params={"customerId": invoice["customerId"]})
    ).json()
    assert statement["balances"] == [{"currency": "NOK", "amount": 5000}]
    assert [(m["sourceType"], m["sourceId"]) for m in statement["data"]] == [("payment", payment_id)]
    await assert_books_agree(database, api.merchant_id)


async def test_money_for_a_settled_or_void_invoice_is_all_credit(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    await pay(database, api, invoice, LINES_TOTAL)
    _, applied = await pay(database, api, invoice, 700)
    assert applied == 0
    voided = await finalized(api)
    assert (await api.post(f"{INVOICES}/{voided['id']}/void")).status_code == 200
    _, applied = await pay(database, api, voided, 300)
    assert applied == 0
    for owner, amount in ((invoice["customerId"], 700), (voided["customerId"], 300)):
        statement = (await api.get("/api/v1/CustomerCredits", params={"customerId": owner})).json()
        assert statement["balances"] == [{"currency": "NOK", "amount": amount}]
    await assert_books_agree(database, api.merchant_id)


async def test_what_apply_payment_refuses(api: Api, database: Database, client: object) -> None:
    invoice = await finalized(api)
    payment_id = await receive_payment(database, api.merchant_id, 1000, customer_id=invoice["customerId"])
    with pytest.raises(ValidationFailed):
        await apply(database, api, invoice["id"], payment_id, 0)
    with pytest.raises(Conflict) as exhausted:
        await apply(database, api, invoice["id"], payment_id, 1001)
    assert exhausted.value.instance_code == "payment_exhausted"
    with pytest.raises(Conflict) as not_final:
        await apply(database, api, (await draft(api))["id"], payment_id, 1000)
    assert not_final.value.instance_code == "invoice_not_finalized"
    sek = await receive_payment(
        database, api.merchant_id, 1000, customer_id=invoice["customerId"], currency="SEK"
    )
    with pytest.raises(Conflict) as currency:
        await apply(database, api, invoice["id"], sek, 1000)
    assert currency.value.instance_code == "currency_mismatch"
    other = await new_merchant(client, database)  # type: ignore[arg-type]
    theirs = await finalized(other)
    with pytest.raises(ResourceNotFound) as foreign:
        await apply(database, api, theirs["id"], payment_id, 1000)
    assert foreign.value.instance_code == "invoice_not_found"
    assert (await fetch(api, invoice["id"]))["amountPaid"] == 0
    assert await entries(database, api.merchant_id, EntryKind.PAYMENT_APPLIED) == []


async def test_unapplying_takes_back_the_newest_applications_first(api: Api, database: Database) -> None:
    customer_id = await customer(api)
    older, newer = await finalized(api, customer_id), await finalized(api, customer_id)
    payment_id = await receive_payment(database, api.merchant_id, 2 * LINES_TOTAL, customer_id=customer_id)
    assert await apply(database, api, older["id"], payment_id, LINES_TOTAL) == LINES_TOTAL
    assert await apply(database, api, newer["id"], payment_id, LINES_TOTAL) == LINES_TOTAL
    assert await unapply(database, api, payment_id, LINES_TOTAL + 1000) == LINES_TOTAL + 1000
    after_newer, after_older = await fetch(api, newer["id"]), await fetch(api, older["id"])
    assert (after_newer["status"], after_newer["amountPaid"], after_newer["paidAt"]) == ("open", 0, None)
    assert (after_older["status"], after_older["amountDue"]) == ("partially_paid", 1000)
    assert (await payment_row(database, payment_id)).amount_applied == LINES_TOTAL - 1000
    taken_back = await entries(database, api.merchant_id, EntryKind.PAYMENT_UNAPPLIED)
    assert [e["lines"] for e in taken_back] == [
        [("1500", LINES_TOTAL, 0, customer_id), ("2900", 0, LINES_TOTAL, customer_id)],
        [("1500", 1000, 0, customer_id), ("2900", 0, 1000, customer_id)],
    ]
    async with database.transaction(write=False) as session:
        amounts = (
            await session.scalars(
                select(PaymentApplication.amount)
                .where(PaymentApplication.payment_id == payment_id)
                .order_by(PaymentApplication.id)
            )
        ).all()
    assert list(amounts) == [LINES_TOTAL, LINES_TOTAL, -LINES_TOTAL, -1000]
    # Only what is still applied can be taken back.
    assert await unapply(database, api, payment_id, 10**9) == LINES_TOTAL - 1000
    assert await unapply(database, api, payment_id, 5) == 0
    with pytest.raises(ValidationFailed):
        await unapply(database, api, payment_id, -5)
    # The money is the payer's again (2900) until the payments domain refunds it; books agree then.


async def test_a_payment_revives_an_uncollectible_invoice(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    await api.post(f"{INVOICES}/{invoice['id']}/mark-uncollectible")
    _, applied = await pay(database, api, invoice, 10000)
    assert applied == 10000
    revived = await fetch(api, invoice["id"])
    assert (revived["status"], revived["amountWrittenOff"], revived["amountDue"]) == (
        "partially_paid",
        0,
        LINES_TOTAL - 10000,
    )
    reversal = [
        e
        for e in await entries(database, api.merchant_id, EntryKind.WRITE_OFF)
        if "reversal" in e["source_type"]
    ]
    assert reversal[0]["lines"] == [
        ("1500", LINES_TOTAL, 0, invoice["customerId"]),
        ("7830", 0, LINES_TOTAL, None),
    ]
    await api.post(f"{INVOICES}/{invoice['id']}/mark-uncollectible")
    await pay(database, api, invoice, LINES_TOTAL - 10000)
    assert (await fetch(api, invoice["id"]))["status"] == "paid"
    await assert_books_agree(database, api.merchant_id)


async def test_a_paid_order_invoice_completes_its_order(api: Api, database: Database) -> None:
    order = await api.created("/api/v1/Orders", order_body(customerId=await customer(api)))
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    invoice = (await api.post(f"{INVOICES}/{invoice['id']}/finalize")).json()
    await pay(database, api, invoice, invoice["total"])
    assert (await api.get(f"/api/v1/Orders/{order['id']}")).json()["status"] == "completed"


async def test_attaching_moves_an_orders_later_payment_onto_its_invoice(api: Api, database: Database) -> None:
    customer_id = await customer(api)
    order = await api.created("/api/v1/Orders", order_body(customerId=customer_id))
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    payment_id = await receive_payment(
        database, api.merchant_id, invoice["total"], order_id=order["id"], customer_id=customer_id
    )
    assert await attach(database, api, invoice["id"]) == 0  # a draft takes nothing yet
    invoice = (await api.post(f"{INVOICES}/{invoice['id']}/finalize")).json()
    assert (invoice["status"], invoice["amountPaid"]) == ("paid", invoice["total"])
    assert (await payment_row(database, payment_id)).amount_applied == invoice["total"]
    assert await attach(database, api, invoice["id"]) == 0  # nothing is held twice
    await assert_books_agree(database, api.merchant_id)


async def test_customer_credit_is_spent_once_when_invoices_finalize_together(
    api: Api, database: Database
) -> None:
    customer_id = await customer(api)
    paid = await finalized(api, customer_id)
    await pay(database, api, paid, LINES_TOTAL + 10000)
    drafts = [await draft(api, customer_id) for _ in range(4)]
    responses = await asyncio.gather(*(api.post(f"{INVOICES}/{d['id']}/finalize") for d in drafts))
    used = sorted(r.json()["creditApplied"] for r in responses)
    assert used == [0, 0, 0, 10000]
    await assert_books_agree(database, api.merchant_id)
