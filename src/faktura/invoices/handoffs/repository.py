"""Hand-off SQL. The status moves only from the status read, by a conditional UPDATE (`move`), called by
the one door in `service.transition`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.handoffs.states import HandoffStatus
from faktura.models import DocumentHandoff, Invoice

# A handoff with its invoice's series and number (both null until it became an invoice).
Row = tuple[DocumentHandoff, str | None, int | None]


def _with_invoice() -> Select[DocumentHandoff, str | None, int | None]:
    return select(DocumentHandoff, Invoice.series, Invoice.number).outerjoin(
        Invoice, Invoice.id == DocumentHandoff.invoice_id
    )


async def add(session: AsyncSession, row: DocumentHandoff) -> None:
    session.add(row)
    await session.flush()


async def get(session: AsyncSession, merchant_id: str, handoff_id: str) -> Row | None:
    found = await session.execute(
        _with_invoice()
        .where(DocumentHandoff.merchant_id == merchant_id, DocumentHandoff.id == handoff_id)
        .execution_options(populate_existing=True)
    )
    row = found.one_or_none()
    return None if row is None else (row[0], row[1], row[2])


async def by_upload_token(session: AsyncSession, token_hash: str) -> DocumentHandoff | None:
    """The handoff of this upload link, locked while its file is received."""
    return await session.scalar(
        select(DocumentHandoff)
        .where(DocumentHandoff.upload_token_hash == token_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def booked_with(session: AsyncSession, merchant_id: str, sha256: str) -> str | None:
    """The merchant's handoff booked (ok) from a file with this SHA-256, if any."""
    return await session.scalar(
        select(DocumentHandoff.id)
        .where(
            DocumentHandoff.merchant_id == merchant_id,
            DocumentHandoff.sha256 == sha256,
            DocumentHandoff.status == HandoffStatus.OK.value,
        )
        .limit(1)
    )


async def content(session: AsyncSession, merchant_id: str, handoff_id: str) -> bytes | None:
    return await session.scalar(
        select(DocumentHandoff.content).where(
            DocumentHandoff.merchant_id == merchant_id, DocumentHandoff.id == handoff_id
        )
    )


async def listed(
    session: AsyncSession,
    merchant_id: str,
    *,
    status: HandoffStatus | None,
    created_from: datetime | None,
    created_before: datetime | None,
    limit: int,
) -> list[Row]:
    """The merchant's handoffs, newest first."""
    stmt = _with_invoice().where(DocumentHandoff.merchant_id == merchant_id)
    if status is not None:
        stmt = stmt.where(DocumentHandoff.status == status.value)
    if created_from is not None:
        stmt = stmt.where(DocumentHandoff.created_at >= created_from)
    if created_before is not None:
        stmt = stmt.where(DocumentHandoff.created_at < created_before)
    stmt = stmt.order_by(DocumentHandoff.created_at.desc(), DocumentHandoff.id.desc()).limit(limit)
    return [(row[0], row[1], row[2]) for row in await session.execute(stmt)]


async def move(
    session: AsyncSession,
    handoff_id: str,
    expected: HandoffStatus,
    target: HandoffStatus,
    now: datetime,
    **columns: Any,
) -> bool:
    """Compare-and-set on the status, writing `columns` with it; False when it is no longer `expected`."""
    result = await session.execute(
        update(DocumentHandoff)
        .where(DocumentHandoff.id == handoff_id, DocumentHandoff.status == expected.value)
        .values(status=target.value, updated_at=now, **columns)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
