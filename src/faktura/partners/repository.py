"""Partners SQL: partners, their keys and the merchants linked to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.models import Partner, PartnerKey, PartnerMerchant


async def partner(session: AsyncSession, partner_id: str) -> Partner | None:
    return await session.get(Partner, partner_id)


async def key_by_hash(session: AsyncSession, key_hash: str) -> PartnerKey | None:
    return await session.scalar(select(PartnerKey).where(PartnerKey.key_hash == key_hash))


async def expire_keys(session: AsyncSession, partner_id: str, at: datetime) -> None:
    """Every key of the partner that has no earlier end stops working at `at`."""
    await session.execute(
        update(PartnerKey)
        .where(
            PartnerKey.partner_id == partner_id,
            (PartnerKey.expires_at.is_(None)) | (PartnerKey.expires_at > at),
        )
        .values(expires_at=at)
    )


async def link(session: AsyncSession, partner_id: str, merchant_id: str, at: datetime) -> None:
    """Link once: linking again changes nothing."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = PartnerMerchant.__table__
    await session.execute(
        dialect.insert(table)
        .values(partner_id=partner_id, merchant_id=merchant_id, created_at=at, updated_at=at)
        .on_conflict_do_nothing(index_elements=[table.c.partner_id, table.c.merchant_id])
    )


async def linked(session: AsyncSession, partner_id: str, merchant_id: str) -> bool:
    found = await session.scalar(
        select(PartnerMerchant.merchant_id).where(
            PartnerMerchant.partner_id == partner_id, PartnerMerchant.merchant_id == merchant_id
        )
    )
    return found is not None


async def merchants_of(session: AsyncSession, partner_id: str) -> list[str]:
    rows = await session.scalars(
        select(PartnerMerchant.merchant_id)
        .where(PartnerMerchant.partner_id == partner_id)
        .order_by(PartnerMerchant.merchant_id)
    )
    return list(rows.all())


async def partners_of(session: AsyncSession, merchant_id: str) -> list[str]:
    rows = await session.scalars(
        select(PartnerMerchant.partner_id)
        .where(PartnerMerchant.merchant_id == merchant_id)
        .order_by(PartnerMerchant.partner_id)
    )
    return list(rows.all())
