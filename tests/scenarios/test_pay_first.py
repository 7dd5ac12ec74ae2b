"""FarPay's "attach an order to an invoice", step by step as its guide tells it (seed 000).

1. The merchant creates an order with no customer and gets its token and payment page.
2. The payer pays on that page.
3. The order moves from open to paid (FarPay's PendingCustomerNumber); the money is held on it.
4-8. The merchant invoices with the order's token, naming the customer now.
Goal: the payment moves to the invoice, which is paid; the order is completed; the customer's ledger and
the journal show invoice and payment; the payment can be refunded, and shows as a refund in the journal.
"""

from __future__ import annotations

import httpx

from faktura.kit.db import Database
from tests.factories import Api, corporate_body
from tests.hosted.flows import open_page, pay_with
from tests.invoices.helpers import assert_books_agree

RETURN_URL = "https://shop.example/thanks"


async def test_an_order_paid_without_a_customer_becomes_a_paid_invoice(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    # 1. An order expressing amount and currency, with no customer.
    order = await api.created(
        "/api/v1/Orders",
        {
            "currency": "NOK",
            "reference": "WEB-4711",
            "items": [
                {"description": "Concert ticket", "quantity": "2", "unitPrice": 45000, "taxRate": "12"},
                {"description": "Programme", "quantity": "1", "unitPrice": 10000, "taxRate": "25"},
            ],
        },
    )
    assert order["customerId"] is None
    token, user_url = order["token"], order["paymentUrl"]
    assert user_url.endswith(f"/pay/{token}")
    total = order["total"]
    assert total == 2 * 45000 * 112 // 100 + 12500

    # 2. The payer opens the page and pays by card.
    _, csrf = await open_page(payer, token)
    paid = await pay_with(payer, token, csrf)
    assert paid.status_code in (200, 303), paid.text

    # 3. The order is paid and holds the money; no invoice exists yet.
    held = (await api.get(f"/api/v1/Orders/{order['id']}")).json()
    assert (held["status"], held["customerId"]) == ("paid", None)
    [intent] = (await api.get("/api/v1/PaymentIntents", params={"orderId": order["id"]})).json()["data"]
    assert (intent["status"], intent["amountReceived"]) == ("succeeded", total)
    trial = (await api.get("/api/v1/Ledger/TrialBalance")).json()
    assert _balances(trial) == {"1940": (total, 0), "2900": (0, total)}

    # 4-8. The merchant's system knows the buyer now and invoices, carrying the order's token.
    customer = await api.created("/api/v1/Customers", corporate_body())
    invoice = await api.created(
        "/api/v1/Invoices", {"orderToken": token, "customerId": customer["id"], "finalize": True}
    )

    # Goal: the payment now belongs to the invoice, as if the invoice had been paid.
    assert (invoice["status"], invoice["number"], invoice["orderId"]) == ("paid", 1, order["id"])
    assert (invoice["total"], invoice["amountPaid"], invoice["amountDue"]) == (total, total, 0)
    done = (await api.get(f"/api/v1/Orders/{order['id']}")).json()
    assert (done["status"], done["customerId"]) == ("completed", customer["id"])

    # The customer's invoice ledger: the invoice, then the order's payment settling it.
    statement = (await api.get(f"/api/v1/Ledger/Customers/{customer['id']}")).json()
    rows = [(r["kind"], r["invoiceId"], r["receivableChange"], r["balance"]) for r in statement["rows"]]
    assert rows == [
        ("invoice_finalized", invoice["id"], total, total),
        ("payment_applied", invoice["id"], -total, 0),
    ]
    assert statement["closingBalance"] == 0
    # The journal: money received on the order, the invoice, and the payment moved onto it.
    journal = (await api.get("/api/v1/Ledger/JournalEntries", params={"limit": 100})).json()["data"]
    assert [e["kind"] for e in reversed(journal)] == [
        "payment_received",
        "invoice_finalized",
        "payment_applied",
    ]
    trial = (await api.get("/api/v1/Ledger/TrialBalance")).json()
    assert _balances(trial) == {
        "1940": (total, 0),
        "2702": (0, 10800),
        "2700": (0, 2500),
        "3000": (0, 100000),
    }
    assert trial["totalDebit"] == trial["totalCredit"] == total

    # The payment can be refunded, and is a refund in the journal; the invoice owes again.
    refund = await api.created("/api/v1/Refunds", {"paymentIntentId": intent["id"], "amount": 12500})
    assert (refund["amount"], refund["status"]) == (12500, "succeeded")
    journal = (await api.get("/api/v1/Ledger/JournalEntries", params={"kind": "refund"})).json()["data"]
    assert len(journal) == 1
    after = (await api.get(f"/api/v1/Invoices/{invoice['id']}")).json()
    assert (after["status"], after["amountDue"]) == ("partially_paid", 12500)
    await assert_books_agree(database, api.merchant_id)


def _balances(trial: dict[str, object]) -> dict[str, tuple[int, int]]:
    accounts = trial["accounts"]
    assert isinstance(accounts, list)
    return {a["account"]: (a["debit"], a["credit"]) for a in accounts if a["debit"] or a["credit"]}
