"""Saved payment methods' SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import PaymentMethod


async def get(session: AsyncSession, merchant_id: str, method_id: str) -> PaymentMethod | None:
    return await session.scalar(
        select(PaymentMethod)
        .where(PaymentMethod.id == method_id, PaymentMethod.merchant_id == merchant_id)
        .execution_options(populate_existing=True)
    )


async def page_of_customer(
    session: AsyncSession, merchant_id: str, customer_id: str, params: PageParams
) -> tuple[list[PaymentMethod], str | None]:
    """The customer's attached methods, newest first."""
    stmt = select(PaymentMethod).where(
        PaymentMethod.merchant_id == merchant_id,
        PaymentMethod.customer_id == customer_id,
        PaymentMethod.detached_at.is_(None),
    )
    return await fetch_page(session, stmt, PaymentMethod, params)


async def detach(session: AsyncSession, method: PaymentMethod, now: datetime) -> bool:
    """Set `detached_at` if it is not yet (one request wins a race); the object is read back."""
    detached = await session.scalar(
        update(PaymentMethod)
        .where(PaymentMethod.id == method.id, PaymentMethod.detached_at.is_(None))
        .values(detached_at=now, updated_at=now)
        .returning(PaymentMethod)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return detached is not None
