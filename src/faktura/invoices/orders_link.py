"""What invoicing does to orders: claiming one for its invoice, and completing it once paid."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.errors import OrderNotInvoiceable
from faktura.invoices.states import InvoiceStatus
from faktura.kit import clock
from faktura.models import Invoice, Order
from faktura.orders import repository as orders
from faktura.orders import service as order_service
from faktura.orders.errors import OrderChanged
from faktura.orders.states import ORDER_STATES, OrderStatus

INVOICEABLE = frozenset({OrderStatus.DRAFT, OrderStatus.OPEN, OrderStatus.PAID})
_FINAL = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.EXPIRED})


def require_invoiceable(order: Order) -> None:
    if OrderStatus(order.status) not in INVOICEABLE:
        raise OrderNotInvoiceable(
            f"Order {order.id} is {order.status}; only a draft, open or paid order can be invoiced."
        )


async def claim(session: AsyncSession, order: Order, customer_id: str) -> None:
    """The invoice takes the order: a pay-first order gets its customer, a draft order opens."""
    now = clock.now()
    named = order.customer_id is None
    if named:
        await orders.update_order(session, order.id, {"customer_id": customer_id, "updated_at": now})
    opened = order.status == OrderStatus.DRAFT
    if opened:
        ORDER_STATES.check(OrderStatus.DRAFT, OrderStatus.OPEN)
        moved = await orders.move_status(
            session,
            order.merchant_id,
            order.id,
            OrderStatus.DRAFT.value,
            OrderStatus.OPEN.value,
            updated_at=now,
        )
        if not moved:
            raise OrderChanged(f"Order {order.id} changed meanwhile; read it and retry.")
    if opened or named:
        event_type = "order.opened" if opened else "order.updated"
        await order_service.announce(session, order.merchant_id, order.id, event_type)


async def complete_if_paid(session: AsyncSession, invoice: Invoice) -> None:
    """A paid invoice completes its order, through `paid` when the order was still open."""
    if invoice.order_id is None or invoice.status != InvoiceStatus.PAID:
        return
    for _ in range(3):  # a concurrent move (the order's own payment arriving) means: read again
        order = await orders.get(session, invoice.merchant_id, invoice.order_id)
        if order is None:
            return
        current = OrderStatus(order.status)
        if current in _FINAL or current is OrderStatus.DRAFT:
            return
        target = OrderStatus.PAID if current is OrderStatus.OPEN else OrderStatus.COMPLETED
        ORDER_STATES.check(current, target)
        now = clock.now()
        if await orders.move_status(
            session, invoice.merchant_id, order.id, current.value, target.value, updated_at=now
        ):
            event_type = "order.paid" if target is OrderStatus.PAID else "order.completed"
            await order_service.announce(session, invoice.merchant_id, order.id, event_type)
            if target is OrderStatus.COMPLETED:
                return
