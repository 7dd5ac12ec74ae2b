"""Sending (POST /send and seed 002's PUT status=sent), voiding, and writing off."""

from __future__ import annotations

from sqlalchemy import select

from faktura.kit.db import Database
from faktura.ledger.postings import EntryKind
from faktura.models import InvoiceDelivery
from tests.asserts import error_code, invalid_fields
from tests.factories import Api
from tests.invoices.helpers import (
    INVOICES,
    LINES_TOTAL,
    assert_books_agree,
    draft,
    entries,
    fetch,
    finalized,
)


async def deliveries(database: Database, invoice_id: str) -> list[tuple[str | None, str]]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(InvoiceDelivery)
            .where(InvoiceDelivery.invoice_id == invoice_id)
            .order_by(InvoiceDelivery.id)
        )
        return [(row.channel, row.status) for row in rows]


async def test_sending_queues_a_delivery_and_resending_another(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    response = await api.post(f"{INVOICES}/{invoice['id']}/send")
    assert response.status_code == 200, response.text
    sent = response.json()
    assert (sent["status"], sent["deliveryStatus"]) == ("open", "pending")
    assert sent["sentAt"] is not None
    again = (await api.post(f"{INVOICES}/{invoice['id']}/send")).json()
    assert again["sentAt"] == sent["sentAt"]
    assert await deliveries(database, invoice["id"]) == [(None, "pending"), (None, "pending")]


async def test_sending_a_draft_finalizes_it_first(api: Api, database: Database) -> None:
    invoice = await draft(api)
    sent = (await api.post(f"{INVOICES}/{invoice['id']}/send")).json()
    assert (sent["status"], sent["number"], sent["deliveryStatus"]) == ("open", 1, "pending")
    await assert_books_agree(database, api.merchant_id)


async def test_put_status_sent_sends_as_seed_002_does(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    response = await api.put(f"{INVOICES}/{invoice['id']}", json={"status": "sent"})
    assert response.status_code == 200, response.text
    assert response.json()["deliveryStatus"] == "pending"
    assert await deliveries(database, invoice["id"]) == [(None, "pending")]


async def test_put_can_change_a_draft_and_send_it_in_one_call(api: Api) -> None:
    invoice = await draft(api)
    response = await api.put(f"{INVOICES}/{invoice['id']}", json={"note": "Net 14", "status": "sent"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["note"], body["status"], body["number"], body["deliveryStatus"]) == (
        "Net 14",
        "open",
        1,
        "pending",
    )
    other = await draft(api)
    changed = (await api.put(f"{INVOICES}/{other['id']}", json={"reference": "R"})).json()
    assert (changed["status"], changed["reference"], changed["deliveryStatus"]) == ("draft", "R", None)


async def test_put_accepts_no_other_status(api: Api) -> None:
    invoice = await draft(api)
    response = await api.put(f"{INVOICES}/{invoice['id']}", json={"status": "paid"})
    assert invalid_fields(response) == [("status", "invalid_choice")]


async def test_voiding_reverses_the_booking_and_keeps_the_number(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    response = await api.post(f"{INVOICES}/{invoice['id']}/void")
    assert response.status_code == 200, response.text
    voided = response.json()
    assert (voided["status"], voided["number"], voided["amountDue"]) == ("void", 1, 0)
    assert voided["voidedAt"] is not None
    [finalized_entry] = await entries(database, api.merchant_id, EntryKind.INVOICE_FINALIZED)
    [void_entry] = await entries(database, api.merchant_id, EntryKind.INVOICE_VOIDED)
    assert void_entry["lines"] == [(a, c, d, cu) for a, d, c, cu in finalized_entry["lines"]]
    assert (await finalized(api))["number"] == 2
    await assert_books_agree(database, api.merchant_id)
    assert error_code(await api.post(f"{INVOICES}/{invoice['id']}/void"), 409) == "invalid_invoice_transition"
    assert error_code(await api.post(f"{INVOICES}/{invoice['id']}/send"), 409) == "invoice_not_sendable"


async def test_only_an_unpaid_uncredited_open_invoice_can_be_voided(api: Api) -> None:
    assert (
        error_code(await api.post(f"{INVOICES}/{(await draft(api))['id']}/void"), 409)
        == "invoice_not_finalized"
    )
    credited = await finalized(api)
    await api.post(f"{INVOICES}/{credited['id']}/credit", json={"items": [{"position": 1, "quantity": "1"}]})
    assert error_code(await api.post(f"{INVOICES}/{credited['id']}/void"), 409) == "invoice_not_voidable"


async def test_writing_off_books_the_loss(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    response = await api.post(f"{INVOICES}/{invoice['id']}/mark-uncollectible")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["amountDue"], body["amountWrittenOff"]) == ("uncollectible", 0, LINES_TOTAL)
    assert body["uncollectibleAt"] is not None
    [entry] = await entries(database, api.merchant_id, EntryKind.WRITE_OFF)
    assert entry["lines"] == [("7830", LINES_TOTAL, 0, None), ("1500", 0, LINES_TOTAL, invoice["customerId"])]
    await assert_books_agree(database, api.merchant_id)
    again = await api.post(f"{INVOICES}/{invoice['id']}/mark-uncollectible")
    assert error_code(again, 409) == "invalid_invoice_transition"
    assert error_code(await api.post(f"{INVOICES}/{invoice['id']}/void"), 409) == "invoice_not_voidable"


async def test_drafts_and_paid_invoices_cannot_be_written_off(api: Api) -> None:
    response = await api.post(f"{INVOICES}/{(await draft(api))['id']}/mark-uncollectible")
    assert error_code(response, 409) == "invalid_invoice_transition"
    free = await finalized(api, items=[{"description": "Free", "unitPrice": 0, "taxRate": "25"}])
    response = await api.post(f"{INVOICES}/{free['id']}/mark-uncollectible")
    assert error_code(response, 409) == "invalid_invoice_transition"
    assert (await fetch(api, free["id"]))["status"] == "paid"
