"""GET /Invoices/{id}/deliveries and POST /Invoices/{id}/resend: shapes, ownership and refusals."""

from __future__ import annotations

from pathlib import Path

import httpx

from faktura.config import Settings
from faktura.kit.db import Database
from tests.asserts import error_code
from tests.delivery.support import (
    buyer,
    deliver_due,
    deliveries,
    delivery_settings,
    invoice_events,
    sent_invoice,
    tries,
    unique_email,
)
from tests.factories import Api, new_merchant
from tests.invoices.helpers import INVOICES, draft, fetch, finalized


async def test_an_invoice_never_sent_has_no_deliveries(api: Api) -> None:
    invoice = await finalized(api)
    assert await deliveries(api, invoice["id"]) == []
    assert invoice["deliveryStatus"] is None


async def test_deliveries_come_newest_first_each_with_its_attempts(
    api: Api, database: Database, settings: Settings, tmp_path: Path
) -> None:
    customer = await buyer(api, email=unique_email("kari"))
    invoice = await sent_invoice(api, customer["id"])
    await deliver_due(database, delivery_settings(settings, data_dir=tmp_path))
    resent = await api.post(f"{INVOICES}/{invoice['id']}/resend")
    assert resent.status_code == 202, resent.text

    newest, first = await deliveries(api, invoice["id"])
    assert newest == resent.json()
    assert newest == {
        "id": newest["id"],
        "invoiceId": invoice["id"],
        "status": "pending",
        "channel": None,
        "requestedChannel": None,
        "lastError": None,
        "attempts": [],
        "createdAt": newest["createdAt"],
        "completedAt": None,
    }
    assert tries(first) == [("ehf", "skipped", "no_participant_id"), ("email", "delivered", None)]
    skipped = first["attempts"][0]
    assert set(skipped) == {
        "id",
        "channel",
        "status",
        "recipient",
        "reference",
        "errorCode",
        "error",
        "createdAt",
    }
    assert skipped["error"] == "The buyer has no PEPPOL participant id."
    assert (await fetch(api, invoice["id"]))["deliveryStatus"] == "pending"


async def test_a_resend_queues_a_delivery_and_says_so_with_invoice_sent(api: Api) -> None:
    customer = await buyer(api, email=unique_email("kari"))
    invoice = await sent_invoice(api, customer["id"])
    before = await fetch(api, invoice["id"])
    response = await api.post(f"{INVOICES}/{invoice['id']}/resend", json={"channel": "email"})
    assert response.status_code == 202, response.text
    assert (response.json()["status"], response.json()["requestedChannel"]) == ("pending", "email")
    after = await fetch(api, invoice["id"])
    assert after["sentAt"] == before["sentAt"]  # sentAt keeps the first sending
    assert (await invoice_events(api, invoice["id"]))[-2:] == ["invoice.sent", "invoice.updated"]


async def test_another_merchants_invoice_is_not_found(
    api: Api, client: httpx.AsyncClient, database: Database
) -> None:
    other = await new_merchant(client, database)
    customer = await buyer(other, email=unique_email("kari"))
    invoice = await sent_invoice(other, customer["id"])
    for response in (
        await api.get(f"{INVOICES}/{invoice['id']}/deliveries"),
        await api.post(f"{INVOICES}/{invoice['id']}/resend"),
        await api.get(f"{INVOICES}/inv_nothing/deliveries"),
    ):
        assert error_code(response, 404) == "invoice_not_found"
    assert len(await deliveries(other, invoice["id"])) == 1


async def test_a_draft_or_a_void_invoice_is_not_resent(api: Api) -> None:
    invoice = await draft(api)
    response = await api.post(f"{INVOICES}/{invoice['id']}/resend")
    assert error_code(response, 409) == "invoice_not_finalized"
    invoice = await finalized(api)
    assert (await api.post(f"{INVOICES}/{invoice['id']}/void")).status_code == 200
    response = await api.post(f"{INVOICES}/{invoice['id']}/resend", json={"channel": "post"})
    assert error_code(response, 409) == "invoice_not_sendable"
    assert await deliveries(api, invoice["id"]) == []


async def test_a_channel_outside_the_three_is_refused(api: Api) -> None:
    invoice = await finalized(api)
    response = await api.post(f"{INVOICES}/{invoice['id']}/resend", json={"channel": "fax"})
    assert response.status_code == 422, response.text
    response = await api.post(f"{INVOICES}/{invoice['id']}/resend", json={"channel": "email", "to": "x"})
    assert response.status_code == 422, response.text
    assert await deliveries(api, invoice["id"]) == []
