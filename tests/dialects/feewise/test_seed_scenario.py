"""FeeWise's "Create an Invoice" (seed 001), its four steps told through the dialect only:

1. POST the invoice; the Invoice answered carries the payment URL.
2. Send the payment URL to the client: the client opens it, and pays on it.
3. Receive events on the registered webhook: invoice.created, then invoice.updated once paid.
4. GET the invoice again for its payment URL.

The partner's webhook receiver is a real HTTP server on loopback that checks the bearer token.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from faktura.config import Settings
from faktura.kit.db import Database
from tests.dialects.feewise.conformance import conforms as answer_conforms
from tests.dialects.feewise.hooks import (
    TOKEN,
    app,
    client,
    conforms_event,
    firm,
    pay_on_hosted_page,
    private_settings,
    register,
)
from tests.dialects.feewise.invoicing import INVOICES, created, firm_taking_aud, simple
from tests.factories import Api
from tests.webhooks.flows import deliver_due
from tests.webhooks.receiver import Answer, Received, receiving

__all__ = ["app", "client", "firm", "private_settings"]


def _bearer_only(request: Received) -> Answer:
    """The partner's receiver: a request without the registered token is refused (and retried)."""
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        return Answer(status=401)
    return Answer()


async def test_create_send_receive_and_read_again(
    client: httpx.AsyncClient, app: FastAPI, database: Database, firm: Api, private_settings: Settings
) -> None:
    headers = await firm_taking_aud(firm, database)
    with receiving(_bearer_only) as receiver:
        await register(client, headers, receiver.url + "/feewise-events")

        # 1. Create the invoice: its payment URL comes back with it.
        invoice = await created(client, headers, simple(firm, amount="250.00"))
        payment_uri = invoice["payment_uri"]
        assert invoice["status"] == "Submitted"
        await deliver_due(database, private_settings)

        # 2. The client follows the payment URL: the page answers, and the client pays on it.
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://f.test"
        ) as payer:
            await pay_on_hosted_page(payer, payment_uri)
        await deliver_due(database, private_settings)

        # 3. The events, as the receiver got them, each with the token.
        requests = receiver.received()
    assert {r.status for r in requests} == {200}
    bodies = [r.json() for r in requests]
    assert [b["event_type"] for b in bodies] == ["invoice.created", "invoice.updated"]
    for body in bodies:
        conforms_event(body)
        assert body["event"]["invoice_id"] == invoice["invoice_id"]
    made, paid = (b["event"] for b in bodies)
    assert made == invoice
    assert (paid["amount_due"], [p["received"] for p in paid["payments"]]) == ("0.00", ["250.00"])

    # 4. GET the invoice again: the same payment URL, and what the last event showed.
    again = await client.get(f"{INVOICES}/{invoice['invoice_id']}", headers=headers)
    shown = answer_conforms(again, "getInvoiceById")["invoice"]
    assert shown["payment_uri"] == payment_uri
    assert shown == paid


async def test_an_adjustment_and_an_external_payment_are_updates_of_the_same_invoice(
    client: httpx.AsyncClient, database: Database, firm: Api, private_settings: Settings
) -> None:
    headers = await firm_taking_aud(firm, database)
    with receiving(_bearer_only) as receiver:
        await register(
            client,
            headers,
            receiver.url + "/feewise-events",
            events=["invoice.created", "invoice.updated", "payment.received"],
        )
        invoice = await created(client, headers, simple(firm, amount="250.00"))
        adjusting = f"{INVOICES}/{invoice['invoice_id']}/adjust-amount"
        adjusted = await client.post(adjusting, json={"new_amount": "300.00"}, headers=headers)
        assert adjusted.status_code == 200, adjusted.text
        external = {
            "artifact_id": invoice["invoice_id"],
            "external_id": "receipt-1",
            "amount": "300.00",
            "payment_type": "cash",
            "details": "Paid in person",
        }
        paid = await client.post("/api/v3/partner/payments/external", json=external, headers=headers)
        assert paid.status_code == 200, paid.text
        await deliver_due(database, private_settings)
        bodies = [r.json() for r in receiver.received()]
    for body in bodies:
        conforms_event(body)
    # The revision is an update of the invoice its chain began with; the invoice it replaced, voided
    # in the same transaction, is never shown as Voided.
    assert [b["event_type"] for b in bodies] == [
        "invoice.created",
        "invoice.updated",
        "invoice.updated",
        "payment.received",
    ]
    assert {b["event"].get("invoice_id", b["event"].get("artifact_id")) for b in bodies} == {
        invoice["invoice_id"]
    }
    assert [b["event"].get("status") for b in bodies if b["event_type"] != "payment.received"] == [
        "Submitted"
    ] * 3
    amounts = [(b["event"]["amount"], b["event"]["amount_due"]) for b in bodies if "amount_due" in b["event"]]
    assert amounts == [("250.00", "250.00"), ("300.00", "300.00"), ("300.00", "0.00")]
    [payment] = [b["event"] for b in bodies if b["event_type"] == "payment.received"]
    assert payment["external_payment"]["external_id"] == "receipt-1"
    assert payment["received"] == "300.00"
