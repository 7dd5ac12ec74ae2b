"""Delivery SQL. A delivery's status moves only from the status read, by a conditional UPDATE
(`move_delivery`, called by the door in `outcome`), so two runs of one job (a worker that lost its lease,
and the one that took over) never both end it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.delivery.states import DeliveryStatus
from faktura.models import InvoiceDelivery, InvoiceDeliveryAttempt

PENDING = DeliveryStatus.PENDING.value


async def add(session: AsyncSession, row: InvoiceDelivery | InvoiceDeliveryAttempt) -> None:
    session.add(row)
    await session.flush()


async def delivery(session: AsyncSession, delivery_id: str) -> InvoiceDelivery | None:
    """By id alone: the worker's job names the delivery, whoever's it is."""
    return await session.get(InvoiceDelivery, delivery_id, populate_existing=True)


async def tried_channels(session: AsyncSession, delivery_id: str) -> set[str]:
    """The channels an earlier run of the job already tried and recorded."""
    rows = await session.scalars(
        select(InvoiceDeliveryAttempt.channel).where(InvoiceDeliveryAttempt.delivery_id == delivery_id)
    )
    return set(rows.all())


async def count_attempt(
    session: AsyncSession, delivery_id: str, now: datetime, last_error: str | None = None
) -> bool:
    """Count a try that did not end a pending delivery (and keep why it failed, if it did); False when the
    delivery is no longer pending."""
    values: dict[str, Any] = {"attempts": InvoiceDelivery.attempts + 1, "updated_at": now}
    if last_error is not None:
        values["last_error"] = last_error
    result = await session.execute(
        update(InvoiceDelivery)
        .where(InvoiceDelivery.id == delivery_id, InvoiceDelivery.status == PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def move_delivery(
    session: AsyncSession,
    delivery_id: str,
    expected: DeliveryStatus,
    target: DeliveryStatus,
    now: datetime,
    *,
    count_attempt: bool,
    **columns: Any,
) -> bool:
    """Compare-and-set on the status, ending the delivery with `columns` (channel, last_error) and, when
    a try ended it, counting that try; False when the status is no longer `expected`."""
    if count_attempt:
        columns["attempts"] = InvoiceDelivery.attempts + 1
    result = await session.execute(
        update(InvoiceDelivery)
        .where(InvoiceDelivery.id == delivery_id, InvoiceDelivery.status == expected.value)
        .values(status=target.value, updated_at=now, completed_at=now, **columns)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def pending_of(session: AsyncSession, invoice_id: str) -> list[InvoiceDelivery]:
    """The invoice's deliveries still pending, oldest first."""
    rows = await session.scalars(
        select(InvoiceDelivery)
        .where(InvoiceDelivery.invoice_id == invoice_id, InvoiceDelivery.status == PENDING)
        .order_by(InvoiceDelivery.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def newest_id(session: AsyncSession, invoice_id: str) -> str | None:
    """The invoice's latest sending (ids sort by creation time)."""
    return await session.scalar(
        select(InvoiceDelivery.id)
        .where(InvoiceDelivery.invoice_id == invoice_id)
        .order_by(InvoiceDelivery.id.desc())
        .limit(1)
    )


async def of_invoice(session: AsyncSession, merchant_id: str, invoice_id: str) -> list[InvoiceDelivery]:
    """The invoice's deliveries, newest first."""
    rows = await session.scalars(
        select(InvoiceDelivery)
        .where(InvoiceDelivery.merchant_id == merchant_id, InvoiceDelivery.invoice_id == invoice_id)
        .order_by(InvoiceDelivery.id.desc())
    )
    return list(rows.all())


async def attempts_of(session: AsyncSession, delivery_ids: Collection[str]) -> list[InvoiceDeliveryAttempt]:
    """Their attempts, oldest first (each id is created after the one before)."""
    if not delivery_ids:
        return []
    rows = await session.scalars(
        select(InvoiceDeliveryAttempt)
        .where(InvoiceDeliveryAttempt.delivery_id.in_(delivery_ids))
        .order_by(InvoiceDeliveryAttempt.id)
    )
    return list(rows.all())
