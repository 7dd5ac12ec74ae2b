"""How a sending of an invoice ends: the one door to a delivery's status. Never commits.

A delivery is created pending (`queue.queue`) and ends once, delivered or failed, through `transition`.
The callers hold the invoice's lock, taken before the delivery's row as sending and voiding take them.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.delivery import repository
from faktura.invoices.delivery.states import (
    DELIVERY_STATES,
    ChannelName,
    DeliveryStatus,
    InvoiceDeliveryStatus,
)
from faktura.invoices.service import announce
from faktura.invoices.states import InvoiceStatus
from faktura.kit import clock
from faktura.models import Invoice, InvoiceDelivery

INVOICE_VOID = "invoice_void"


async def transition(
    session: AsyncSession,
    invoice: Invoice,
    delivery: InvoiceDelivery,
    target: DeliveryStatus,
    *,
    channel: ChannelName | None = None,
    last_error: str | None = None,
    attempted: bool = False,
    voided: bool = False,
) -> bool:
    """The one door to a delivery's status: the move must be in the table, and it is made only from the
    status `delivery` was read in (two runs of one job never both end it). False when another ended it
    first.

    Delivered over `channel`, the delivery's error is cleared; failed, `last_error` says why (None keeps
    the last try's). `attempted`: a try ended it, and is counted. The invoice then shows its latest
    sending's outcome, announced as invoice.delivered or invoice.delivery_failed. `voided`: the sending
    ends because the invoice is void, which then shows no delivery status; that is announced as
    invoice.updated when the invoice is void already, and told by its invoice.voided when it is being
    voided.
    """
    current = DeliveryStatus(delivery.status)
    DELIVERY_STATES.check(current, target)
    columns: dict[str, object] = {}
    if target is DeliveryStatus.DELIVERED:
        assert channel is not None
        columns.update(channel=channel.value, last_error=None)
    elif last_error is not None:
        columns["last_error"] = last_error[:1000]
    now = clock.now()
    if not await repository.move_delivery(
        session, delivery.id, current, target, now, count_attempt=attempted, **columns
    ):
        return False
    if voided:
        await _cleared(session, invoice)
    elif await repository.newest_id(session, invoice.id) == delivery.id:
        # An earlier sending ending after a resend leaves the invoice as the resend has it.
        await _concluded(session, invoice, channel if target is DeliveryStatus.DELIVERED else None)
    return True


async def cancel_pending(session: AsyncSession, invoice: Invoice) -> None:
    """A void invoice is not delivered: each of its pending deliveries ends as failed (`invoice_void`)."""
    reason = f"{INVOICE_VOID}: the invoice was voided before it was delivered."
    for delivery in await repository.pending_of(session, invoice.id):
        await transition(session, invoice, delivery, DeliveryStatus.FAILED, last_error=reason, voided=True)


async def _concluded(session: AsyncSession, invoice: Invoice, channel: ChannelName | None) -> None:
    if channel is not None:
        invoice.delivery_status = InvoiceDeliveryStatus.DELIVERED.value
        invoice.delivery_channel = channel.value
    else:
        invoice.delivery_status = InvoiceDeliveryStatus.NEEDS_ATTENTION.value
    invoice.version += 1
    invoice.updated_at = clock.now()
    await announce(session, invoice, "invoice.delivered" if channel else "invoice.delivery_failed")


async def _cleared(session: AsyncSession, invoice: Invoice) -> None:
    if invoice.delivery_status != InvoiceDeliveryStatus.PENDING:
        return
    invoice.delivery_status = None
    if invoice.status == InvoiceStatus.VOID:
        # Voided by a credit note after it was sent: its invoice.voided still showed the sending pending.
        invoice.version += 1
        invoice.updated_at = clock.now()
        await announce(session, invoice)
