"""Hosted-page tokens: `/pay/{token}` names an order, a payment intent or an invoice without its id."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.ids import new_secret
from faktura.models import PaymentLink


class LinkTarget(StrEnum):
    ORDER = "order"
    PAYMENT_INTENT = "payment_intent"
    INVOICE = "invoice"


async def token_for(
    session: AsyncSession,
    merchant_id: str,
    target: LinkTarget,
    target_id: str,
    *,
    expires_at: datetime | None = None,
) -> str:
    """The target's token, made on first use; one token per target, so a page's address never changes."""
    token = await session.scalar(
        select(PaymentLink.token).where(
            PaymentLink.target_type == target.value, PaymentLink.target_id == target_id
        )
    )
    if token is not None:
        return token
    token = new_secret("pay", 24)
    session.add(
        PaymentLink(
            token=token,
            merchant_id=merchant_id,
            target_type=target.value,
            target_id=target_id,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return token


async def resolve(session: AsyncSession, token: str) -> PaymentLink | None:
    """The link behind a token, or None; the caller decides what an expired link shows."""
    if len(token) > 64:
        return None
    return await session.get(PaymentLink, token)
