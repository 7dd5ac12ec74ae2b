"""Hosted-page tokens: `/pay/{token}` names an order, a payment intent or an invoice without its id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from faktura.kit.ids import new_secret
from faktura.kit.mapped_rows import new
from faktura.links import repository
from faktura.models import PaymentLink


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
    known = _known(session)
    token = known.get((target.value, target_id))
    if token is None:
        token = await repository.token_of(session, target.value, target_id)
    if token is None:
        link = new_link(merchant_id, target, target_id, expires_at=expires_at)
        session.add(link)
        await session.flush()
        token = link.token
    known[(target.value, target_id)] = token
    return token


def new_link(
    merchant_id: str, target: LinkTarget, target_id: str, *, expires_at: datetime | None = None
) -> PaymentLink:
    """A new target's link, not yet stored: `token_for` adds it to the session, and a new order's
    repository inserts it with the order (`kit.batched_inserts`)."""
    return new(
        PaymentLink,
        token=new_secret("pay", 24),
        merchant_id=merchant_id,
        target_type=target.value,
        target_id=target_id,
        expires_at=expires_at,
    )


async def tokens_of(session: AsyncSession, target: LinkTarget, target_ids: Sequence[str]) -> dict[str, str]:
    """Target id -> token, for the targets that have one.

    A token never changes once made, so the ones this session has read or made, and the targets it
    found without one, are not read again (a view built twice in one transaction asks once); a rollback
    forgets them. A token another transaction makes meanwhile is seen from the next session on."""
    if not target_ids:
        return {}
    known = _known(session)
    missing = [i for i in target_ids if (target.value, i) not in known]
    if missing:
        read = await repository.tokens_of(session, target.value, missing)
        known.update(((target.value, i), read.get(i)) for i in missing)
    return {i: token for i in target_ids if (token := known[(target.value, i)]) is not None}


_KNOWN = "faktura.links.tokens"


def _known(session: AsyncSession) -> dict[tuple[str, str], str | None]:
    """(target type, target id) -> token, of what this session has read or made; None: it has none."""
    known: dict[tuple[str, str], str | None] = session.info.setdefault(_KNOWN, {})
    return known


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous: object) -> None:
    # A token made in a transaction that rolled back was never stored.
    session.info.pop(_KNOWN, None)


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
