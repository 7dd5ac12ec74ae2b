"""Steps the delivery tests share: merchants and buyers made through the API, sending, the worker's
part run in this process by the real job runner, and reading the outcome back."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

import faktura.invoices.delivery.tasks  # noqa: F401 -- imported for its side effect: the handler registers
from faktura.config import Settings
from faktura.invoices.delivery.queue import DELIVER
from faktura.kit.db import Database
from faktura.models import Invoice, InvoiceDelivery, Merchant
from faktura.worker.runner import Worker
from tests.events.support import events_of
from tests.factories import Api, corporate_body, customer_body
from tests.invoices.helpers import INVOICES, draft

SELLER_ORGANIZATION_NUMBER = "921605900"  # MOD11-valid: the seller's PEPPOL id is 0192:921605900
BUYER_PARTICIPANT = "0192:974760673"  # corporate_body()'s organisation number


def delivery_settings(settings: Settings, **changes: Any) -> Settings:
    """The worker's settings: the outboxes in a data directory of the test's own (`data_dir`)."""
    return settings.model_copy(update=changes)


async def deliver_due(database: Database, settings: Settings) -> int:
    """Run the due delivery jobs to their end, as a worker would."""
    return await Worker(database, settings, concurrency=4, kinds={DELIVER}, periodics=[]).run_due()


async def registered_seller(database: Database, api: Api) -> None:
    """The merchant gets an organisation number (hence a PEPPOL id to send EHF from) and a VAT number
    (BR-S-02: standard-rated lines need the seller's)."""
    async with database.transaction() as session:
        merchant = await session.get(Merchant, api.merchant_id)
        assert merchant is not None
        merchant.organization_number = SELLER_ORGANIZATION_NUMBER
        merchant.vat_number = f"NO{SELLER_ORGANIZATION_NUMBER}MVA"


def unique_email(name: str) -> str:
    """An address no other test's buyer has, so a shared inbox shows only this test's messages."""
    return f"{name}-{uuid.uuid4().hex[:10]}@example.no"


async def buyer(api: Api, *, corporate: bool = False, **overrides: Any) -> dict[str, Any]:
    body = corporate_body(**overrides) if corporate else customer_body(**overrides)
    return await api.created("/api/v1/Customers", body)


async def sent_invoice(api: Api, customer_id: str) -> dict[str, Any]:
    invoice = await draft(api, customer_id)
    response = await api.post(f"{INVOICES}/{invoice['id']}/send")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def deliveries(api: Api, invoice_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"{INVOICES}/{invoice_id}/deliveries")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["nextCursor"] is None
    return list(body["data"])


def tries(delivery: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(channel, status, errorCode) of each attempt, in order."""
    return [(a["channel"], a["status"], a["errorCode"]) for a in delivery["attempts"]]


async def invoice_row(database: Database, invoice_id: str) -> Invoice:
    async with database.transaction(write=False) as session:
        row = await session.get(Invoice, invoice_id, populate_existing=True)
    assert row is not None
    return row


async def delivery_ids(database: Database, invoice_id: str) -> list[str]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(InvoiceDelivery.id)
            .where(InvoiceDelivery.invoice_id == invoice_id)
            .order_by(InvoiceDelivery.id)
        )
        return list(rows.all())


async def invoice_events(api: Api, invoice_id: str) -> list[str]:
    """The types of the invoice's events, oldest first."""
    return [e["type"] for e in await events_of(api, resourceId=invoice_id)]
