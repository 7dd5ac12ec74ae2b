"""Seed 002's post-paid path: the merchant issues an invoice, the payer pays it on the invoice's own page."""

from __future__ import annotations

import httpx

from faktura.kit.db import Database
from tests.factories import Api, corporate_body
from tests.hosted.flows import open_page, pay_with
from tests.invoices.helpers import assert_books_agree


async def test_a_finalized_invoice_is_paid_through_its_payment_url(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    customer = await api.created("/api/v1/Customers", corporate_body())
    draft = await api.created(
        "/api/v1/Invoices",
        {
            "customerId": customer["id"],
            "items": [
                {"description": "Annual licence", "quantity": "1", "unitPrice": 240000, "taxRate": "25"}
            ],
        },
    )
    assert draft["paymentUrl"] is None  # a draft is not payable yet
    invoice = (await api.post(f"/api/v1/Invoices/{draft['id']}/finalize")).json()
    token = invoice["paymentUrl"].rsplit("/pay/", 1)[1]

    page, csrf = await open_page(payer, token)
    assert invoice["invoiceNumber"] in page.text
    paid = await pay_with(payer, token, csrf)
    assert paid.status_code in (200, 303), paid.text  # the receipt, or on to it

    after = (await api.get(f"/api/v1/Invoices/{invoice['id']}")).json()
    assert (after["status"], after["amountPaid"], after["amountDue"]) == ("paid", 300000, 0)
    assert after["paymentUrl"] is None  # nothing left to pay
    again = await payer.get(f"/pay/{token}")
    assert 'name="number"' not in again.text  # the paid page offers no card form
    await assert_books_agree(database, api.merchant_id)
