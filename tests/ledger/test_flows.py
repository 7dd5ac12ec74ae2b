"""The ledger's views of real billing flows: invoices, payments, refunds, credit notes, write-offs."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.factories import Api, customer_body, order_body

INVOICES = "/api/v1/Invoices"
INTENTS = "/api/v1/PaymentIntents"
LINES = [
    {"description": "Widget", "quantity": "2", "unitPrice": 10000, "taxRate": "25"},
    {"description": "Cookbook", "quantity": "1", "unitPrice": 20000, "taxRate": "15"},
]
TOTAL = 2 * 12500 + 23000


async def _customer(api: Api) -> str:
    return str((await api.created("/api/v1/Customers", customer_body()))["id"])


async def _finalized(api: Api, customer: str) -> dict[str, Any]:
    draft = await api.created(INVOICES, {"customerId": customer, "currency": "NOK", "items": LINES})
    response = await api.post(f"{INVOICES}/{draft['id']}/finalize")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _card(api: Api, **target: Any) -> dict[str, Any]:
    body = {"currency": "NOK", "gateway": "test", "paymentMethodToken": "tok_success", **target}
    return await api.created(INTENTS, body)


def _summary(statement: dict[str, Any]) -> list[tuple[str, str | None, int, int]]:
    return [(r["description"], r["documentNumber"], r["amount"], r["balance"]) for r in statement["rows"]]


async def test_a_statement_tells_the_story_of_an_invoice(api: Api) -> None:
    customer = await _customer(api)
    first = await _finalized(api, customer)
    intent = await _card(api, invoiceId=first["id"], amount=TOTAL)
    refund = await api.created("/api/v1/Refunds", {"paymentIntentId": intent["id"], "amount": 8000})
    credit_note = await api.created(f"{INVOICES}/{first['id']}/credit", {"items": [{"position": 2}]})
    second = await _finalized(api, customer)
    assert (await api.post(f"{INVOICES}/{second['id']}/mark-uncollectible")).status_code == 200

    statement = (await api.get(f"/api/v1/Ledger/Customers/{customer}")).json()
    assert _summary(statement) == [
        ("Invoice INV-1 finalized", "INV-1", TOTAL, TOTAL),
        ("Payment received for invoice INV-1", "INV-1", -TOTAL, 0),
        ("Payment applied to invoice INV-1", "INV-1", 0, 0),
        ("Payment taken back from invoice INV-1", "INV-1", 0, 0),
        ("Refund", None, 8000, 8000),
        ("Credit note CN-1", "CN-1", -23000, -15000),
        ("Invoice INV-2 finalized", "INV-2", TOTAL, 33000),
        ("Customer credit applied to invoice INV-2", "INV-2", 0, 33000),
        ("Invoice INV-2 written off", "INV-2", -33000, 0),
    ]
    rows = statement["rows"]
    assert rows[0]["source"] == {"type": "invoice", "id": first["id"]}
    assert rows[4]["source"] == {"type": "refund", "id": refund["id"]}
    assert rows[5]["source"] == {"type": "credit_note", "id": credit_note["id"]}
    assert rows[5]["invoiceId"] == first["id"]
    assert (rows[5]["receivableChange"], rows[5]["creditChange"]) == (-8000, 15000)
    assert (statement["closingBalance"], statement["receivable"], statement["credit"]) == (0, 0, 0)

    trial = (await api.get("/api/v1/Ledger/TrialBalance")).json()
    balances = {a["account"]: a["debit"] - a["credit"] for a in trial["accounts"]}
    assert balances == {
        "1500": 0,
        "1940": TOTAL - 8000,
        "2700": -2 * 5000,
        "2701": -3000,
        "2900": 0,
        "3000": -60000,
        "7830": 33000,
    }
    assert trial["totalDebit"] == trial["totalCredit"] == TOTAL - 8000 + 33000

    journal = (await api.get("/api/v1/Ledger/JournalEntries", params={"limit": 100})).json()["data"]
    exported = list(csv.DictReader(io.StringIO((await api.get("/api/v1/Ledger/JournalEntries.csv")).text)))
    assert len(exported) == sum(len(e["lines"]) for e in journal)
    assert (exported[0]["entry_id"], exported[-1]["entry_id"]) == (journal[-1]["id"], journal[0]["id"])
    of_first = (await api.get("/api/v1/Ledger/JournalEntries", params={"sourceId": first["id"]})).json()
    assert [e["kind"] for e in of_first["data"]] == ["invoice_finalized"]


async def test_a_pay_first_order_reads_as_money_received_before_the_invoice(api: Api) -> None:
    customer = await _customer(api)
    order = await api.created("/api/v1/Orders", order_body(customerId=customer))
    await _card(api, orderId=order["id"], amount=order["total"])
    mid = (await api.get(f"/api/v1/Ledger/Customers/{customer}")).json()
    assert _summary(mid) == [("Payment received", None, -TOTAL, -TOTAL)]
    assert (mid["receivable"], mid["credit"]) == (0, TOTAL)

    invoice = await api.created(INVOICES, {"orderId": order["id"], "finalize": True})
    assert invoice["status"] == "paid"
    statement = (await api.get(f"/api/v1/Ledger/Customers/{customer}")).json()
    assert _summary(statement)[1:] == [
        ("Invoice INV-1 finalized", "INV-1", TOTAL, 0),
        ("Payment applied to invoice INV-1", "INV-1", 0, 0),
    ]
    assert statement["closingBalance"] == 0
