"""What a payment page reads: the link's target with its lines, the merchant, and the target's intents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from faktura.models import Invoice, Merchant, Order, PaymentIntent


async def merchant(session: AsyncSession, merchant_id: str) -> Merchant | None:
    return await session.get(Merchant, merchant_id)


async def order(session: AsyncSession, merchant_id: str, order_id: str) -> Order | None:
    return await session.scalar(
        select(Order)
        .where(Order.id == order_id, Order.merchant_id == merchant_id)
        .options(selectinload(Order.items))
        .execution_options(populate_existing=True)
    )


async def invoice(session: AsyncSession, merchant_id: str, invoice_id: str) -> Invoice | None:
    return await session.scalar(
        select(Invoice)
        .where(Invoice.id == invoice_id, Invoice.merchant_id == merchant_id)
        .options(selectinload(Invoice.items))
        .execution_options(populate_existing=True)
    )


async def intent(session: AsyncSession, merchant_id: str, intent_id: str) -> PaymentIntent | None:
    return await session.scalar(
        select(PaymentIntent)
        .where(PaymentIntent.id == intent_id, PaymentIntent.merchant_id == merchant_id)
        .execution_options(populate_existing=True)
    )


async def intents_of(
    session: AsyncSession, merchant_id: str, *, order_id: str | None = None, invoice_id: str | None = None
) -> list[PaymentIntent]:
    """The order's or invoice's intents, newest first."""
    stmt = select(PaymentIntent).where(PaymentIntent.merchant_id == merchant_id)
    if order_id is not None:
        stmt = stmt.where(PaymentIntent.order_id == order_id)
    else:
        stmt = stmt.where(PaymentIntent.invoice_id == invoice_id)
    stmt = stmt.order_by(PaymentIntent.id.desc()).execution_options(populate_existing=True)
    return list((await session.scalars(stmt)).all())
