"""One door to a delivery's status: `delivery.outcome.transition` is the only code that ends a delivery,
it moves only by the table, only from the status the delivery was read in, and the invoice announces
the outcome of its latest sending."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.delivery import repository
from faktura.invoices.delivery.errors import InvalidInvoiceDeliveryTransition
from faktura.invoices.delivery.outcome import transition
from faktura.invoices.delivery.states import ChannelName, DeliveryStatus
from faktura.invoices.service import load
from faktura.kit.db import Database
from faktura.models import Invoice, InvoiceDelivery
from tests.delivery.support import buyer, deliveries, invoice_events, invoice_row, sent_invoice, unique_email
from tests.factories import Api
from tests.one_door import Resource, writes, writes_in_package

DELIVERIES = Resource(
    noun="delivery", tables=frozenset({"InvoiceDelivery"}), raw_updates=frozenset({"move_delivery"})
)
# Writing behind the ORM's back, as another run of the job would have.
_ROWS: Table = InvoiceDelivery.__table__  # type: ignore[assignment]


def test_only_the_door_ends_a_delivery(repo_root: Path) -> None:
    # Webhook deliveries are a machine of their own, named `delivery` in their package too.
    found = {
        write
        for write in writes_in_package(DELIVERIES, repo_root / "src" / "faktura")
        if not write[0].startswith("webhooks/")
    }
    assert found == {
        ("invoices/delivery/outcome.py", "transition", "calls move_delivery"),
        ("invoices/delivery/repository.py", "move_delivery", "updates the status column"),
    }


def test_the_scan_sees_a_delivery_status_written_elsewhere() -> None:
    source = """
async def finish(session, delivery, invoice_delivery):
    delivery.status = "delivered"
    invoice_delivery.status = "failed"
    await repository.move_delivery(session, delivery.id, "pending", "failed", now, count_attempt=False)
    await session.execute(update(InvoiceDelivery).where(x).values(status="failed"))
"""
    assert writes(DELIVERIES, source) == [
        ("assigns .status", "finish"),
        ("assigns .status", "finish"),
        ("calls move_delivery", "finish"),
        ("updates the status column", "finish"),
    ]


async def _read(session: AsyncSession, api: Api, invoice_id: str) -> tuple[Invoice, InvoiceDelivery]:
    invoice = await load(session, api.merchant_id, invoice_id, lock=True)
    delivery_id = await repository.newest_id(session, invoice_id)
    assert delivery_id is not None
    delivery = await repository.delivery(session, delivery_id)
    assert delivery is not None
    return invoice, delivery


async def test_the_door_refuses_a_move_the_table_does_not_hold(api: Api, database: Database) -> None:
    invoice = await sent_invoice(api, (await buyer(api, email=unique_email("kari")))["id"])
    with pytest.raises(InvalidInvoiceDeliveryTransition) as refused:
        async with database.transaction() as session:
            await transition(session, *await _read(session, api, invoice["id"]), DeliveryStatus.PENDING)
    assert refused.value.code == "invalid_invoice_delivery_transition"
    assert str(refused.value) == "An invoice delivery in status 'pending' cannot become 'pending'."
    async with database.transaction() as session:
        ended = await transition(
            session, *await _read(session, api, invoice["id"]), DeliveryStatus.FAILED, last_error="gone"
        )
        assert ended
    for target in DeliveryStatus:
        with pytest.raises(InvalidInvoiceDeliveryTransition) as refused:
            async with database.transaction() as session:
                await transition(
                    session, *await _read(session, api, invoice["id"]), target, channel=ChannelName.POST
                )
        assert str(refused.value) == f"An invoice delivery in status 'failed' cannot become '{target.value}'."
    [delivery] = await deliveries(api, invoice["id"])
    assert (delivery["status"], delivery["lastError"], delivery["channel"]) == ("failed", "gone", None)
    assert (await invoice_events(api, invoice["id"])).count("invoice.delivery_failed") == 1


async def test_the_door_ends_from_the_status_read_and_the_invoice_announces_it(
    api: Api, database: Database
) -> None:
    customer = await buyer(api, email=unique_email("kari"))
    first = await sent_invoice(api, customer["id"])
    async with database.transaction() as session:
        invoice, delivery = await _read(session, api, first["id"])
        assert await transition(
            session, invoice, delivery, DeliveryStatus.DELIVERED, channel=ChannelName.EMAIL, attempted=True
        )
        assert (invoice.delivery_status, invoice.delivery_channel) == ("delivered", "email")
    [delivered] = await deliveries(api, first["id"])
    assert (delivered["status"], delivered["channel"], delivered["completedAt"] is not None) == (
        "delivered",
        "email",
        True,
    )
    assert (await invoice_events(api, first["id"]))[-2:] == ["invoice.delivered", "invoice.updated"]

    second = await sent_invoice(api, customer["id"])
    async with database.transaction() as session:
        invoice, delivery = await _read(session, api, second["id"])
        # Another run of the job ends the delivery after this one read it as pending.
        await session.execute(update(_ROWS).where(_ROWS.c.id == delivery.id).values(status="delivered"))
        assert not await transition(session, invoice, delivery, DeliveryStatus.FAILED, last_error="late")
    assert (await invoice_row(database, second["id"])).delivery_status == "pending"
    assert (await deliveries(api, second["id"]))[0]["lastError"] is None
    assert "invoice.delivery_failed" not in await invoice_events(api, second["id"])
