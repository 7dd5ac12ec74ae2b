"""The rows a document is made of. Reads only."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import repository as invoices
from faktura.kit.repository import get_owned
from faktura.merchants import repository as merchants
from faktura.models import CreditNote, Customer, Invoice, Merchant


async def invoice(session: AsyncSession, merchant_id: str, invoice_id: str) -> Invoice | None:
    return await invoices.get(session, merchant_id, invoice_id)


async def credit_note(session: AsyncSession, merchant_id: str, credit_note_id: str) -> CreditNote | None:
    return await invoices.get_credit_note(session, merchant_id, credit_note_id)


async def merchant(session: AsyncSession, merchant_id: str) -> Merchant | None:
    return await merchants.get(session, merchant_id)


async def customer(session: AsyncSession, merchant_id: str, customer_id: str) -> Customer | None:
    """Deleted customers too: their invoices stay documents."""
    return await get_owned(session, Customer, merchant_id, customer_id)
