"""Hosted-page tokens: `/pay/{token}` names an order, a payment intent or an invoice without its id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit import clock
from faktura.kit.batched_inserts import defer_insert
from faktura.kit.ids import new_secret
from faktura.models import PaymentLink

LINKS: Table = PaymentLink.__table__  # type: ignore[assignment]


class LinkTarget(StrEnum):
    ORDER = "order"
    PAYMENT_INTENT = "payment_intent"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"  # its page only (/i/{token}); nothing to pay


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


def new_link(merchant_id: str, target: LinkTarget, target_id: str) -> dict[str, Any]:
    """The row of a brand-new target's link, for callers that insert it with the target itself."""
    now = clock.now()
    return {
        "token": new_secret("pay", 24),
        "merchant_id": merchant_id,
        "target_type": target.value,
        "target_id": target_id,
        "expires_at": None,
        "created_at": now,
        "updated_at": now,
    }


def defer_link(session: AsyncSession, row: dict[str, Any]) -> None:
    """Insert a new target's link with the target's own deferred rows (see `kit.batched_inserts`)."""
    defer_insert(session, LINKS, [row])


async def tokens_of(session: AsyncSession, target: LinkTarget, target_ids: Sequence[str]) -> dict[str, str]:
    """Target id -> token, for the targets that have one."""
    if not target_ids:
        return {}
    rows = await session.execute(
        select(PaymentLink.target_id, PaymentLink.token).where(
            PaymentLink.target_type == target.value, PaymentLink.target_id.in_(target_ids)
        )
    )
    return {target_id: token for target_id, token in rows.all()}


def page_url(public_url: str, token: str | None) -> str | None:
    """The payer's page for a token: `{FAKTURA_PUBLIC_URL}/pay/{token}`."""
    return f"{public_url.rstrip('/')}/pay/{token}" if token else None


def document_page_url(public_url: str, token: str | None) -> str | None:
    """The buyer's page of an issued invoice or credit note: `{FAKTURA_PUBLIC_URL}/i/{token}`."""
    return f"{public_url.rstrip('/')}/i/{token}" if token else None


async def resolve(session: AsyncSession, token: str) -> PaymentLink | None:
    """The link behind a token, or None; the caller decides what an expired link shows."""
    if len(token) > 64:
        return None
    return await session.get(PaymentLink, token)
