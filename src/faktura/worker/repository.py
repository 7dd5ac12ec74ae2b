"""SQL of the periodic checks: which orders and invoices have run out of time.

Each finder reads across merchants and returns (merchant id, id) pairs in batches; the task then
handles each one in its own transaction through its domain's service.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.states import PAYABLE
from faktura.models import Event, Invoice, Order, PaymentIntent
from faktura.orders.states import OrderStatus
from faktura.payments.states import IntentStatus

OVERDUE = "invoice.overdue"
# Money is with the gateway: the order waits for its result, however late.
_IN_FLIGHT = (IntentStatus.PROCESSING.value, IntentStatus.REQUIRES_CAPTURE.value)
_WAITING = (IntentStatus.REQUIRES_PAYMENT_METHOD.value, IntentStatus.REQUIRES_ACTION.value)


def _money_in_flight() -> Exists:
    return (
        select(PaymentIntent.id)
        .where(PaymentIntent.order_id == Order.id, PaymentIntent.status.in_(_IN_FLIGHT))
        .exists()
    )


async def expired_open_orders(session: AsyncSession, now: datetime, limit: int) -> list[tuple[str, str]]:
    """Open orders past their expiry with no payment under way."""
    rows = await session.execute(
        select(Order.merchant_id, Order.id)
        .where(
            Order.status == OrderStatus.OPEN.value,
            Order.expires_at < now,
            ~_money_in_flight(),
        )
        .order_by(Order.expires_at)
        .limit(limit)
    )
    return [(merchant_id, order_id) for merchant_id, order_id in rows]


async def payment_under_way(session: AsyncSession, order_id: str) -> bool:
    found = await session.scalar(
        select(PaymentIntent.id)
        .where(PaymentIntent.order_id == order_id, PaymentIntent.status.in_(_IN_FLIGHT))
        .limit(1)
    )
    return found is not None


async def waiting_intents_of_order(session: AsyncSession, merchant_id: str, order_id: str) -> list[str]:
    rows = await session.scalars(
        select(PaymentIntent.id)
        .where(
            PaymentIntent.merchant_id == merchant_id,
            PaymentIntent.order_id == order_id,
            PaymentIntent.status.in_(_WAITING),
        )
        .order_by(PaymentIntent.id)
    )
    return list(rows)


def _overdue_recorded() -> Exists:
    return (
        select(Event.id)
        .where(
            Event.merchant_id == Invoice.merchant_id, Event.resource_id == Invoice.id, Event.type == OVERDUE
        )
        .exists()
    )


async def overdue_invoices(session: AsyncSession, today: date, limit: int) -> list[tuple[str, str]]:
    """Payable invoices past their due date that have no invoice.overdue event yet."""
    rows = await session.execute(
        select(Invoice.merchant_id, Invoice.id)
        .where(
            Invoice.status.in_([s.value for s in PAYABLE]),
            Invoice.due_date < today,
            ~_overdue_recorded(),
        )
        .order_by(Invoice.due_date, Invoice.id)
        .limit(limit)
    )
    return [(merchant_id, invoice_id) for merchant_id, invoice_id in rows]


async def overdue_recorded(session: AsyncSession, merchant_id: str, invoice_id: str) -> bool:
    found = await session.scalar(
        select(Event.id)
        .where(Event.merchant_id == merchant_id, Event.resource_id == invoice_id, Event.type == OVERDUE)
        .limit(1)
    )
    return found is not None
