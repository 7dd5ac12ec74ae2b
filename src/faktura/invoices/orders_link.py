"""What invoicing does to orders: claiming one for its invoice, and completing it once paid."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.errors import OrderNotInvoiceable
from faktura.invoices.service import collected_orders
from faktura.invoices.states import InvoiceStatus
from faktura.models import Invoice, Order
from faktura.orders import service as order_service
from faktura.orders.errors import OrderChanged
from faktura.orders.states import OrderStatus

INVOICEABLE = frozenset({OrderStatus.DRAFT, OrderStatus.OPEN, OrderStatus.PAID})
_FINAL = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.EXPIRED})


def require_invoiceable(order: Order) -> None:
    if OrderStatus(order.status) not in INVOICEABLE:
        raise OrderNotInvoiceable(
            f"Order {order.id} is {order.status}; only a draft, open or paid order can be invoiced."
        )


async def claim(session: AsyncSession, order: Order, customer_id: str) -> None:
    """The invoice takes the order: a pay-first order gets its customer, a draft order opens."""
    named = order.customer_id is None
    if named:
        await order_service.name_customer(session, order, customer_id)
    if order.status == OrderStatus.DRAFT:
        if not await order_service.transition(session, order, OrderStatus.OPEN):
            raise OrderChanged(f"Order {order.id} changed meanwhile; read it and retry.")
    elif named:
        await order_service.announce(session, order.merchant_id, order.id, "order.updated")


async def complete_if_paid(session: AsyncSession, invoice: Invoice, order: Order | None = None) -> None:
    """A paid invoice completes its order (each order it collects), through `paid` when the order was
    still open. `order`: the invoice's order as read in this transaction, under its lock; otherwise it is
    read here."""
    if invoice.status != InvoiceStatus.PAID:
        return
    if invoice.order_id is not None:
        await _complete(session, invoice.merchant_id, invoice.order_id, order)
        return
    for order_id in await collected_orders(session, invoice):
        await _complete(session, invoice.merchant_id, order_id, None)


async def _complete(session: AsyncSession, merchant_id: str, order_id: str, order: Order | None) -> None:
    for attempt in range(3):  # a concurrent move (the order's own payment arriving) means: read again
        if attempt or order is None:
            order = await order_service.find(session, merchant_id, order_id)
        if order is None:
            return
        current = OrderStatus(order.status)
        if current in _FINAL or current is OrderStatus.DRAFT:
            return
        target = OrderStatus.PAID if current is OrderStatus.OPEN else OrderStatus.COMPLETED
        if await order_service.transition(session, order, target) and target is OrderStatus.COMPLETED:
            return
