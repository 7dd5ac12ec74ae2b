from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page, get_owned
from faktura.models import Customer, TestClock


async def get(session: AsyncSession, merchant_id: str, customer_id: str) -> Customer | None:
    customer = await get_owned(session, Customer, merchant_id, customer_id)
    return customer if customer is not None and customer.deleted_at is None else None


async def get_even_deleted(session: AsyncSession, merchant_id: str, customer_id: str) -> Customer | None:
    return await get_owned(session, Customer, merchant_id, customer_id)


async def id_by_organization_number(session: AsyncSession, merchant_id: str, number: str) -> str | None:
    return await session.scalar(
        select(Customer.id).where(
            Customer.merchant_id == merchant_id,
            Customer.organization_number == number,
            Customer.deleted_at.is_(None),
        )
    )


async def id_by_personal_number(session: AsyncSession, merchant_id: str, number: str) -> str | None:
    return await session.scalar(
        select(Customer.id).where(
            Customer.merchant_id == merchant_id,
            Customer.personal_number == number,
            Customer.deleted_at.is_(None),
        )
    )


async def id_by_email(
    session: AsyncSession, merchant_id: str, email: str, type_: str | None = None
) -> str | None:
    stmt = select(Customer.id).where(
        Customer.merchant_id == merchant_id, Customer.email == email, Customer.deleted_at.is_(None)
    )
    if type_ is not None:
        stmt = stmt.where(Customer.type == type_)
    return await session.scalar(stmt)


async def external_ids(session: AsyncSession, merchant_id: str, customer_ids: list[str]) -> dict[str, str]:
    """Customer id -> its `externalId`, for those that have one (deleted customers too)."""
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(Customer.id, Customer.external_id).where(
            Customer.merchant_id == merchant_id,
            Customer.id.in_(customer_ids),
            Customer.external_id.is_not(None),
        )
    )
    return {customer_id: external_id for customer_id, external_id in rows if external_id is not None}


async def by_external_id(session: AsyncSession, merchant_id: str, external_id: str) -> Customer | None:
    return await session.scalar(
        select(Customer).where(
            Customer.merchant_id == merchant_id,
            Customer.external_id == external_id,
            Customer.deleted_at.is_(None),
        )
    )


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    email: str | None = None,
    external_id: str | None = None,
    customer_type: str | None = None,
) -> tuple[list[Customer], str | None]:
    stmt = select(Customer).where(Customer.merchant_id == merchant_id, Customer.deleted_at.is_(None))
    if email is not None:
        # The local part is case-sensitive by RFC 5321, but no one means two people by Kari@ and kari@.
        stmt = stmt.where(func.lower(Customer.email) == email.lower())
    if external_id is not None:
        stmt = stmt.where(Customer.external_id == external_id)
    if customer_type is not None:
        stmt = stmt.where(Customer.type == customer_type)
    return await fetch_page(session, stmt, Customer, params)


async def test_clock_exists(session: AsyncSession, merchant_id: str, clock_id: str) -> bool:
    found = await session.scalar(
        select(TestClock.id).where(TestClock.id == clock_id, TestClock.merchant_id == merchant_id)
    )
    return found is not None


async def test_clock_of(session: AsyncSession, merchant_id: str, customer_id: str) -> str | None:
    return await session.scalar(
        select(Customer.test_clock_id).where(Customer.id == customer_id, Customer.merchant_id == merchant_id)
    )
