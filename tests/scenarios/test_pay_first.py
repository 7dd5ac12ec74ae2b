"""FarPay's "attach an order to an invoice", step by step as its guide tells it (seed 000).

1. Monday 09:00 (START) the merchant creates an order with no customer and gets its token and payment page.
2. 09:10 the payer pays on that page.
3. The order moves from open to paid (FarPay's PendingCustomerNumber); the money is held on it.
4-5. The change fires a webhook, which the merchant's system receives a moment later: the order, paid,
   with its token and no customer.
6-8. Tuesday morning the merchant's system knows the buyer and invoices with the order's token, naming the
   customer now.
Goal: the payment moves to the invoice, which is paid; the order is completed; the customer's ledger and
the journal show invoice and payment. A week later part of the payment is refunded: a refund in the
journal that day, and the invoice owes that part again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from faktura.kit.db import Database
from tests.factories import Api, corporate_body
from tests.hosted.flows import open_page, pay_with
from tests.invoices.helpers import assert_books_agree
from tests.scenarios.clock import START, ScenarioClock
from tests.webhooks.flows import endpoint_at, signed_by
from tests.webhooks.receiver import Receiver, receiving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The merchant's domain system, listening for FarPay's order webhook."""
    with receiving() as listening:
        yield listening


async def test_an_order_paid_without_a_customer_becomes_a_paid_invoice(
    api: Api, database: Database, clock: ScenarioClock, payer: httpx.AsyncClient, receiver: Receiver
) -> None:
    hook = await endpoint_at(api, receiver, events=["order.paid"])

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

    # 2. Ten minutes later the payer opens the page and pays by card.
    await clock.advance(minutes=10)
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

    # 4-5. The order's webhook reaches the merchant's system: paid, with its token, no customer yet.
    await clock.advance(minutes=1)
    [told] = receiver.received(hook["path"])
    assert signed_by(told, hook["secret"])
    assert told.json()["type"] == "order.paid"
    heard = told.json()["data"]
    assert (heard["id"], heard["status"], heard["token"], heard["customerId"]) == (
        order["id"],
        "paid",
        token,
        None,
    )

    # 6-8. Tuesday morning the merchant's system knows the buyer and invoices, carrying the order's token.
    await clock.advance_to(START + timedelta(days=1))
    customer = await api.created("/api/v1/Customers", corporate_body())
    invoice = await api.created(
        "/api/v1/Invoices", {"orderToken": heard["token"], "customerId": customer["id"], "finalize": True}
    )

    # Goal: the payment now belongs to the invoice, as if the invoice had been paid.
    assert (invoice["status"], invoice["number"], invoice["orderId"]) == ("paid", 1, order["id"])
    assert (invoice["issueDate"], invoice["paidAt"]) == ("2031-03-04", "2031-03-04T09:00:00Z")
    assert (invoice["total"], invoice["amountPaid"], invoice["amountDue"]) == (total, total, 0)
    done = (await api.get(f"/api/v1/Orders/{order['id']}")).json()
    assert (done["status"], done["customerId"]) == ("completed", customer["id"])

    # The customer's invoice ledger: the invoice, then the order's payment settling it.
    statement = (await api.get(f"/api/v1/Ledger/Customers/{customer['id']}")).json()
    rows = [
        (r["createdAt"], r["kind"], r["invoiceId"], r["receivableChange"], r["balance"])
        for r in statement["rows"]
    ]
    assert rows == [
        ("2031-03-04T09:00:00Z", "invoice_finalized", invoice["id"], total, total),
        ("2031-03-04T09:00:00Z", "payment_applied", invoice["id"], -total, 0),
    ]
    assert statement["closingBalance"] == 0
    # The journal: money received on the order, the invoice, and the payment moved onto it.
    journal = (await api.get("/api/v1/Ledger/JournalEntries", params={"limit": 100})).json()["data"]
    assert [(e["kind"], e["createdAt"]) for e in reversed(journal)] == [
        ("payment_received", "2031-03-03T09:10:00Z"),
        ("invoice_finalized", "2031-03-04T09:00:00Z"),
        ("payment_applied", "2031-03-04T09:00:00Z"),
    ]
    trial = (await api.get("/api/v1/Ledger/TrialBalance")).json()
    assert _balances(trial) == {
        "1940": (total, 0),
        "2702": (0, 10800),
        "2700": (0, 2500),
        "3000": (0, 100000),
    }
    assert trial["totalDebit"] == trial["totalCredit"] == total

    # A week later the payment is partly refunded: a refund in that day's journal; the invoice owes again.
    await clock.advance(days=7)
    refund = await api.created("/api/v1/Refunds", {"paymentIntentId": intent["id"], "amount": 12500})
    assert (refund["amount"], refund["status"]) == (12500, "succeeded")
    journal = (await api.get("/api/v1/Ledger/JournalEntries", params={"kind": "refund"})).json()["data"]
    assert [e["createdAt"] for e in journal] == ["2031-03-11T09:00:00Z"]
    after = (await api.get(f"/api/v1/Invoices/{invoice['id']}")).json()
    assert (after["status"], after["amountDue"]) == ("partially_paid", 12500)
    await assert_books_agree(database, api.merchant_id)


def _balances(trial: dict[str, object]) -> dict[str, tuple[int, int]]:
    accounts = trial["accounts"]
    assert isinstance(accounts, list)
    return {a["account"]: (a["debit"], a["credit"]) for a in accounts if a["debit"] or a["credit"]}
