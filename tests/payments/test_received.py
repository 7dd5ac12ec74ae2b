"""Reading payments received (by date, invoice, payment reference) and refunding what paid an invoice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from faktura.config import Settings
from faktura.invoices.errors import InvoiceNotFound
from faktura.invoices.settlement import apply_payment
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.errors import ValidationFailed
from faktura.kit.pagination import PageParams
from faktura.models import Payment
from faktura.payments import received, refunds
from faktura.payments.errors import InvoiceNotRefundable, PaymentNotFound
from tests.factories import Api
from tests.invoices.helpers import (
    LINES_TOTAL,
    assert_books_agree,
    draft,
    fetch,
    finalized,
    pay,
    receive_payment,
)

PAGE = PageParams(limit=10, after_id=None)


async def test_payments_by_date_invoice_and_reference(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    direct = await receive_payment(database, api.merchant_id, 1000, invoice_id=invoice["id"])
    # Paid without naming the invoice, then applied to it: found by the invoice too.
    applied, _ = await pay(database, api, invoice, 2000)
    elsewhere = await receive_payment(database, api.merchant_id, 500, customer_id=invoice["customerId"])
    now = clock.now()
    async with database.transaction(write=False) as session:
        everything, cursor = await received.page(session, api.merchant_id, PAGE)
        assert ([r.payment.id for r in everything], cursor) == ([elsewhere, applied, direct], None)
        for_invoice, _ = await received.page(session, api.merchant_id, PAGE, invoice_id=invoice["id"])
        assert [r.payment.id for r in for_invoice] == [applied, direct]
        assert {r.invoice_number for r in for_invoice} == {invoice["invoiceNumber"]}
        assert [r.invoice_id for r in everything] == [None, invoice["id"], invoice["id"]]
        window, _ = await received.page(
            session,
            api.merchant_id,
            PAGE,
            received_from=now - timedelta(minutes=5),
            received_before=now + timedelta(minutes=5),
        )
        assert len(window) == 3
        later, _ = await received.page(
            session, api.merchant_id, PAGE, received_from=now + timedelta(seconds=1)
        )
        assert later == []
        # The end is exclusive.
        before, _ = await received.page(
            session, api.merchant_id, PAGE, received_before=now - timedelta(hours=1)
        )
        assert before == []
        assert (await received.page(session, api.merchant_id, PAGE, payment_reference="123"))[0] == []
        two, cursor = await received.page(session, api.merchant_id, PageParams(limit=2, after_id=None))
        assert (len(two), cursor is not None) == (2, True)
        assert (await received.get(session, api.merchant_id, direct)).payment.amount == 1000
        with pytest.raises(PaymentNotFound):
            await received.get(session, "mer_someone_else", direct)


async def test_an_invoices_refund_is_split_newest_payment_first(
    api: Api, database: Database, settings: Settings
) -> None:
    invoice = await finalized(api)
    older, _ = await pay(database, api, invoice, 40000)
    newer, _ = await pay(database, api, invoice, LINES_TOTAL - 40000)
    async with database.transaction() as session:
        made = await refunds.refund_invoice(session, api.merchant_id, invoice["id"], 10000, settings=settings)
    assert [(r.payment_id, r.amount) for r in made] == [(newer, 8000), (older, 2000)]
    assert (await fetch(api, invoice["id"]))["amountDue"] == 10000
    await assert_books_agree(database, api.merchant_id)
    async with database.transaction() as session:
        with pytest.raises(ValidationFailed) as too_much:
            await refunds.refund_invoice(session, api.merchant_id, invoice["id"], 38001, settings=settings)
        assert [(d.field, d.code) for d in too_much.value.details] == [("amount", "refund_exceeds_paid")]
        with pytest.raises(ValidationFailed):
            await refunds.refund_invoice(session, api.merchant_id, invoice["id"], 0, settings=settings)
        with pytest.raises(InvoiceNotFound):
            await refunds.refund_invoice(session, api.merchant_id, "inv_nothing", 1, settings=settings)


async def test_an_invoice_without_refundable_payments_is_refused(
    api: Api, database: Database, settings: Settings
) -> None:
    unpaid, unfinished = await finalized(api), await draft(api)
    async with database.transaction() as session:
        for invoice in (unpaid, unfinished):
            with pytest.raises(InvoiceNotRefundable):
                await refunds.refund_invoice(session, api.merchant_id, invoice["id"], 1, settings=settings)


async def test_an_invoices_refund_takes_the_money_back_from_that_invoice(
    api: Api, database: Database, settings: Settings
) -> None:
    first = await finalized(api)
    customer_id = first["customerId"]
    second = await finalized(api, customer_id)
    # The customer has 20.00 of credit (an overpayment of a third invoice) ...
    third = await finalized(api, customer_id)
    await pay(database, api, third, LINES_TOTAL + 2000)
    # ... and one payment settles 300.00 of each of the first two, the second one last.
    payment_id = await receive_payment(database, api.merchant_id, 60000, customer_id=customer_id)
    async with database.transaction() as session:
        for invoice in (first, second):
            payment = await session.get(Payment, payment_id)
            assert payment is not None
            await apply_payment(session, invoice_id=invoice["id"], payment=payment, amount=30000)

    # A refund of the payment alone would take the credit first, then the newer invoice; a refund of the
    # first invoice takes it back from the first invoice.
    async with database.transaction() as session:
        made = await refunds.refund_invoice(session, api.merchant_id, first["id"], 10000, settings=settings)
    assert [(r.payment_id, r.amount) for r in made] == [(payment_id, 10000)]
    assert (await fetch(api, first["id"]))["amountDue"] == LINES_TOTAL - 30000 + 10000
    assert (await fetch(api, second["id"]))["amountDue"] == LINES_TOTAL - 30000
    credits = (await api.get("/api/v1/CustomerCredits", params={"customerId": customer_id})).json()
    assert credits["balances"] == [{"currency": "NOK", "amount": 2000}]
    await assert_books_agree(database, api.merchant_id)
