"""Queueing a sending of an invoice: a delivery row and its job, in the caller's transaction. Never commits.

The job runs after that transaction commits (STYLE 5), so a rolled-back send sends nothing. Deliveries of
one invoice share an ordering key: a resend waits for the sending before it to end.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import jobs
from faktura.invoices.delivery import repository
from faktura.invoices.delivery.states import ChannelName, DeliveryStatus, InvoiceDeliveryStatus
from faktura.kit.ids import new_id
from faktura.models import Invoice, InvoiceDelivery

DELIVER = "invoice.deliver"


def dedupe_key(delivery_id: str) -> str:
    return f"invoice-delivery:{delivery_id}"


def ordering_key(invoice_id: str) -> str:
    return f"invoice-deliveries:{invoice_id}"


async def queue(
    session: AsyncSession, invoice: Invoice, channel: ChannelName | None = None
) -> InvoiceDelivery:
    """A new pending delivery of the invoice (over `channel` only, when given) and the job that runs it.
    The caller changed the invoice and announces it."""
    delivery = InvoiceDelivery(
        id=new_id("idl"),
        merchant_id=invoice.merchant_id,
        invoice_id=invoice.id,
        channel=None,
        status=DeliveryStatus.PENDING.value,
        attempts=0,
        requested_channel=channel.value if channel else None,
    )
    # Set before the delivery's insert flushes the invoice, so the invoice is updated once.
    invoice.delivery_status = InvoiceDeliveryStatus.PENDING.value
    await repository.add(session, delivery)
    await jobs.enqueue(
        session,
        DELIVER,
        {"deliveryId": delivery.id},
        dedupe_key=dedupe_key(delivery.id),
        ordering_key=ordering_key(invoice.id),
        merchant_id=invoice.merchant_id,
    )
    return delivery
