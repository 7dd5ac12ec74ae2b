"""Front Payment's actions on an order: cancel it (its invoice voided), send its invoice again; through
the invoices' own void and resend, whose refusals (a paid or credited invoice is not voided) are theirs."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.dialects.frontpayment.orders import reads, service
from faktura.dialects.frontpayment.orders.errors import OrderNotInvoicedYet
from faktura.dialects.frontpayment.orders.schemas import StatusOut
from faktura.dialects.frontpayment.orders.states import FrontPaymentStatus
from faktura.invoices import lifecycle
from faktura.invoices import service as invoices
from faktura.invoices.states import InvoiceStatus
from faktura.orders import service as orders


async def cancel(session: AsyncSession, merchant_id: str, uuid: str) -> StatusOut:
    """The order's invoice voided (an open one nobody paid or credited) and the order cancelled; an order
    still waiting for its collective invoice is cancelled and never collected. An order cancelled
    already is refused by the orders' own transition (409)."""
    order = await service.order_of(session, merchant_id, uuid)
    invoice = await service.invoice_of(session, merchant_id, order)
    if invoice is not None and invoice.status is not InvoiceStatus.VOID:
        await lifecycle.void(session, merchant_id, invoice.id)
    await orders.cancel(session, merchant_id, order.id)
    return StatusOut(uuid=uuid, status=FrontPaymentStatus.CANCELLED)


async def resend(session: AsyncSession, merchant_id: str, uuid: str) -> StatusOut:
    """The order's invoice delivered again, in the usual order of channels."""
    order = await service.order_of(session, merchant_id, uuid)
    invoice = await service.invoice_of(session, merchant_id, order)
    if invoice is None:
        raise OrderNotInvoicedYet(f"Order {uuid} waits for its collective invoice; nothing to send yet.")
    await lifecycle.resend(session, merchant_id, invoice.id)
    await session.flush()
    return reads.shown(uuid, order, await invoices.get(session, merchant_id, invoice.id))
