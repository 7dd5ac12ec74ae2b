"""How money meets invoices. The payments domain calls these inside the transaction that moves the money.

Booking convention (see ledger/chart.py): a payment received is `Dr gateway account / Cr 2900` (posted by
the payments domain). Applying it to an invoice is `Dr 2900 / Cr 1500`, both on the customer's sub-ledger
(posted here). Whatever is not applied stays on 2900 as the customer's credit.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


async def apply_payment(
    session: AsyncSession, *, merchant_id: str, invoice_id: str, payment_id: str, amount: int
) -> int:
    """Apply up to `amount` of the payment to the invoice; return what was applied (the rest is credit)."""
    raise NotImplementedError


async def unapply_payment(session: AsyncSession, *, merchant_id: str, payment_id: str, amount: int) -> int:
    """Take back up to `amount` of the payment from the invoices it settled, newest first; return it."""
    raise NotImplementedError


async def attach_order_payments(session: AsyncSession, *, merchant_id: str, invoice_id: str) -> int:
    """Pay-first: move the payments held on the invoice's order onto the invoice; return the amount moved."""
    raise NotImplementedError
