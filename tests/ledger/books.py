"""Posting straight into a merchant's books, as the invoice and payment services do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from faktura.kit import clock
from faktura.kit.db import Database
from faktura.ledger.postings import Line, post


async def book(
    database: Database,
    merchant_id: str,
    lines: Sequence[Line],
    *,
    kind: str = "payment_received",
    source_type: str = "payment",
    source_id: str,
    currency: str = "NOK",
    memo: str = "",
    customer_id: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> str:
    """Post one entry in its own transaction; `at` backdates it."""
    if at is not None:
        clock.freeze(at)
    try:
        async with database.transaction() as session:
            entry_id = await post(
                session,
                merchant_id=merchant_id,
                kind=kind,
                source_type=source_type,
                source_id=source_id,
                currency=currency,
                lines=lines,
                memo=memo,
                customer_id=customer_id,
                details=details,
            )
    finally:
        if at is not None:
            clock.freeze(None)
    assert entry_id is not None
    return entry_id
