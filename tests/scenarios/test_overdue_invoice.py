"""An invoice not paid by its due date, then paid in part, credited in part and partly refunded.

A Norwegian merchant with the default 14 days' payment terms invoices a company that takes EHF.
1. Monday 2031-03-03 09:00 (START): the merchant invoices four hours of consulting and a router,
   8 500.00 kr with VAT, and sends it. The worker renders the documents and delivers the invoice by EHF
   (the local PEPPOL directory lists the buyer). It is open, due Monday 2031-03-17.
2. Monday 2031-03-17, the due date: still open and not overdue; the buyer's page says it is unpaid.
3. Tuesday 2031-03-18: the hourly check finds it overdue and records one invoice.overdue, the only
   thing Faktura does about it (it sends no reminders and adds no fees). The status stays open; the
   buyer's page says it is overdue. Later days add no second event.
4. Thursday 2031-03-20: 7 000.00 kr arrives by bank transfer with the invoice's KID. The merchant records
   it (a bank transfer intent for the invoice, marked received with what arrived): partially paid,
   1 500.00 kr due.
5. Friday 2031-03-21: the router comes back. A credit note for it (2 500.00 kr) settles the 1 500.00 kr
   still due, and the 1 000.00 kr left over becomes the customer's credit: the invoice is paid.
6. Monday 2031-03-24: the merchant pays the 1 000.00 kr back, a refund of the bank transfer taken from
   that credit. The invoice stays paid; the customer owes nothing and holds nothing.
At each step: the invoice, its events, the customer's statement; at the end the journal, the trial
balance, and the books agree.
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from faktura.kit.db import Database
from tests.delivery.servers import outbox_files
from tests.delivery.support import deliveries, tries
from tests.events.support import events_of
from tests.factories import Api, corporate_body
from tests.hosted.flows import visible_text
from tests.invoices.helpers import INVOICES, assert_books_agree, fetch
from tests.scenarios.clock import START, ScenarioClock

BUYER_PARTICIPANT = "0192:974760673"  # corporate_body()'s organisation number
LINES = [
    {"description": "Rådgivning", "quantity": "4", "unitCode": "HUR", "unitPrice": 120000, "taxRate": "25"},
    {"description": "Ruter", "quantity": "1", "unitPrice": 200000, "taxRate": "25"},
]
TOTAL = 4 * 150000 + 250000


async def test_an_overdue_invoice_is_paid_in_part_credited_and_refunded(
    api: Api, database: Database, clock: ScenarioClock, payer: httpx.AsyncClient
) -> None:
    participants = clock.worker_settings.data_dir / "peppol" / "participants.txt"
    participants.parent.mkdir(parents=True)
    participants.write_text(f"{BUYER_PARTICIPANT}\n")

    # 1. Invoiced and sent on Monday; the worker renders it and delivers it by EHF.
    customer = await api.created("/api/v1/Customers", corporate_body())
    draft = await api.created(INVOICES, {"customerId": customer["id"], "items": LINES})
    sent = await api.post(f"{INVOICES}/{draft['id']}/send")
    assert sent.status_code == 200, sent.text
    invoice = sent.json()
    assert (invoice["status"], invoice["total"], invoice["deliveryStatus"]) == ("open", TOTAL, "pending")
    assert (invoice["issueDate"], invoice["dueDate"], invoice["paymentReference"]) == (
        "2031-03-03",
        "2031-03-17",
        "18",  # number 1 and its Luhn digit
    )
    await clock.advance(minutes=1)
    [delivery] = await deliveries(api, invoice["id"])
    assert tries(delivery) == [("ehf", "delivered", None)]
    [ehf] = outbox_files(clock.worker_settings.data_dir, delivery["id"])
    document = (clock.worker_settings.data_dir / "outbox" / ehf).read_text()
    for element in ("<cbc:DueDate>2031-03-17</cbc:DueDate>", "<cbc:PaymentID>18</cbc:PaymentID>"):
        assert element in document
    invoice = await fetch(api, invoice["id"])
    assert invoice["deliveryStatus"] == "delivered"
    assert {f["format"] for f in invoice["files"]} == {"pdf", "peppol"}
    token = invoice["hostedUrl"].rsplit("/", 1)[1]
    assert await _page_status(payer, token) == ("open", "Open")

    # 2. The due date comes: unpaid, and not overdue yet.
    await clock.advance_to(START + timedelta(days=14))
    assert (await fetch(api, invoice["id"]))["status"] == "open"
    assert await _page_status(payer, token) == ("open", "Open")
    assert await events_of(api, type="invoice.overdue") == []

    # 3. The day after: overdue, said once; the status stays open.
    await clock.advance(days=1)
    [overdue] = await events_of(api, type="invoice.overdue")
    assert (overdue["resourceId"], overdue["createdAt"]) == (invoice["id"], "2031-03-18T09:00:00Z")
    assert (overdue["data"]["status"], overdue["data"]["amountDue"]) == ("open", TOTAL)
    assert (await fetch(api, invoice["id"]))["status"] == "open"
    assert await _page_status(payer, token) == ("overdue", "Overdue")
    await clock.advance(days=2)
    assert len(await events_of(api, type="invoice.overdue")) == 1

    # 4. Thursday: 7 000.00 kr arrives with the invoice's KID, and the merchant records it.
    intent = await api.created(
        "/api/v1/PaymentIntents",
        {"invoiceId": invoice["id"], "amount": TOTAL, "currency": "NOK", "gateway": "manual"},
    )
    transfer = intent["nextAction"]["bankTransfer"]
    assert (transfer["bankAccount"], transfer["paymentReference"]) == ("12345678903", "18")
    received = await api.post(f"/api/v1/PaymentIntents/{intent['id']}/mark-received", json={"amount": 700000})
    assert received.status_code == 200, received.text
    assert (received.json()["status"], received.json()["amountReceived"]) == ("succeeded", 700000)
    invoice = await fetch(api, invoice["id"])
    assert (invoice["status"], invoice["amountPaid"], invoice["amountDue"]) == (
        "partially_paid",
        700000,
        150000,
    )
    assert await _page_status(payer, token) == ("partially_paid", "Partly paid")

    # 5. Friday: the router is returned; its credit note settles the rest and leaves credit over.
    await clock.advance(days=1)
    note = await api.created(
        f"{INVOICES}/{invoice['id']}/credit", {"reason": "Ruter returnert", "items": [{"position": 2}]}
    )
    assert (note["creditNoteNumber"], note["issueDate"], note["total"]) == ("CN-1", "2031-03-21", 250000)
    assert (note["amountApplied"], note["amountToCredit"]) == (150000, 100000)
    invoice = await fetch(api, invoice["id"])
    assert (invoice["status"], invoice["amountDue"], invoice["amountCredited"]) == ("paid", 0, 250000)
    assert invoice["paidAt"] == "2031-03-21T09:00:00Z"
    assert await _credit(api, customer["id"]) == 100000
    assert await _page_status(payer, token) == ("paid", "Paid")

    # 6. Monday: the merchant pays the credit back, from the bank transfer.
    await clock.advance(days=3)
    refund = await api.created("/api/v1/Refunds", {"paymentIntentId": intent["id"], "amount": 100000})
    assert (refund["status"], refund["createdAt"]) == ("succeeded", "2031-03-24T09:00:00Z")
    invoice = await fetch(api, invoice["id"])
    assert (invoice["status"], invoice["amountPaid"], invoice["amountDue"]) == ("paid", 700000, 0)
    assert await _credit(api, customer["id"]) == 0

    # What the merchant's books say, day by day.
    statement = (await api.get(f"/api/v1/Ledger/Customers/{customer['id']}")).json()
    rows = [
        (r["createdAt"][:10], r["description"], r["receivableChange"], r["creditChange"], r["balance"])
        for r in statement["rows"]
    ]
    assert rows == [
        ("2031-03-03", "Invoice INV-1 finalized", TOTAL, 0, TOTAL),
        ("2031-03-20", "Payment received for invoice INV-1", 0, 700000, 150000),
        ("2031-03-20", "Payment applied to invoice INV-1", -700000, -700000, 150000),
        ("2031-03-21", "Credit note CN-1", -150000, 100000, -100000),
        ("2031-03-24", "Refund", 0, -100000, 0),
    ]
    assert (statement["closingBalance"], statement["receivable"], statement["credit"]) == (0, 0, 0)
    trial = (await api.get("/api/v1/Ledger/TrialBalance")).json()
    balances = {
        a["account"]: (a["debit"], a["credit"]) for a in trial["accounts"] if a["debit"] or a["credit"]
    }
    # The bank kept 6 000.00 kr: four hours of consulting and their VAT.
    assert balances == {"1920": (600000, 0), "2700": (0, 120000), "3000": (0, 480000)}
    happened = [
        (e["createdAt"][:10], e["type"]) for e in await events_of(api) if e["type"] != "invoice.updated"
    ]
    assert happened == [
        ("2031-03-03", "customer.created"),
        ("2031-03-03", "invoice.created"),
        ("2031-03-03", "invoice.finalized"),
        ("2031-03-03", "invoice.sent"),
        ("2031-03-03", "invoice.delivered"),
        ("2031-03-18", "invoice.overdue"),
        ("2031-03-20", "payment_intent.created"),
        ("2031-03-20", "payment_intent.requires_action"),
        ("2031-03-20", "payment_intent.succeeded"),
        ("2031-03-20", "invoice.partially_paid"),
        ("2031-03-20", "payment.succeeded"),
        ("2031-03-21", "credit_note.created"),
        ("2031-03-21", "invoice.paid"),
        ("2031-03-24", "refund.created"),
        ("2031-03-24", "payment.refunded"),
    ]
    await assert_books_agree(database, api.merchant_id)


async def _page_status(payer: httpx.AsyncClient, token: str) -> tuple[str, str]:
    """The state the buyer's page shows (its CSS class) and the words it uses, in English."""
    response = await payer.get(f"/i/{token}", params={"lang": "en"})
    assert response.status_code == 200, response.text
    found = re.search(r'<p class="status status-([a-z_]+)" id="status">(.*?)</p>', response.text)
    assert found is not None
    return found.group(1), visible_text(found.group(2))


async def _credit(api: Api, customer_id: str) -> int:
    response = await api.get("/api/v1/CustomerCredits", params={"customerId": customer_id})
    assert response.status_code == 200, response.text
    [balance] = response.json()["balances"]
    return int(balance["amount"])
