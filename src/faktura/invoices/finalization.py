"""Finalizing: the invoice gets its number, dates, KID and bank account, and is booked.

Everything happens in the request's transaction. The number comes from the series row, locked until
commit, so numbers are gap-free per merchant and series: a finalization that fails gives its number back.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import books, credits, orders_link, repository, settlement
from faktura.invoices.kid import KidTooLong, build_kid
from faktura.invoices.schemas import InvoiceOut
from faktura.invoices.service import announce, announce_settled, load, move, require_draft, resettle, view
from faktura.invoices.states import PAYABLE, InvoiceStatus, settled_status
from faktura.invoices.terms import invoice_terms, today
from faktura.kit import clock
from faktura.kit.errors import Conflict, ResourceNotFound
from faktura.merchants import repository as merchants
from faktura.models import Invoice
from faktura.orders import repository as orders
from faktura.payments import links
from faktura.payments import service as payments


async def finalize(session: AsyncSession, merchant_id: str, invoice_id: str) -> InvoiceOut:
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    await finalize_locked(session, invoice)
    return await view(session, invoice)


async def finalize_locked(session: AsyncSession, invoice: Invoice) -> None:
    """Number, date and book a locked draft; then settle it from its order's payments and the
    customer's credit. A zero total is paid at once."""
    require_draft(invoice)
    if invoice.order_id is not None:
        order = await orders.get(session, invoice.merchant_id, invoice.order_id)
        assert order is not None
        orders_link.require_invoiceable(order)
    merchant = await merchants.get(session, invoice.merchant_id)
    if merchant is None:
        raise ResourceNotFound("merchant", invoice.merchant_id)
    terms = invoice_terms(merchant.invoice_settings)
    number = await repository.take_number(session, invoice.merchant_id, invoice.series)
    try:
        kid = build_kid(number, terms.kid_algorithm, terms.kid_length)
    except KidTooLong as exc:
        raise Conflict(str(exc), code="kid_length_exceeded") from exc
    issued = invoice.issue_date or today()
    invoice.number = number
    invoice.issue_date = issued
    invoice.due_date = issued + timedelta(days=invoice.payment_terms_days)
    invoice.payment_reference = kid
    invoice.bank_account = merchant.bank_account
    invoice.finalized_at = clock.now()
    invoice.amount_due = invoice.total
    move(invoice, InvoiceStatus.OPEN)
    await session.flush()
    await links.token_for(session, invoice.merchant_id, links.LinkTarget.INVOICE, invoice.id)
    await books.invoice_finalized(session, invoice)
    await announce(session, invoice, "invoice.finalized")
    # The order's own payments first: they were made for exactly this sale.
    await settlement.attach_held(session, invoice, issuing=True)
    before = invoice.status
    used = await credits.use_on(session, invoice) if invoice.status in PAYABLE else 0
    invoice.prepaid_amount += used  # credit used as it is issued is prepaid too (BT-113)
    # A zero total is paid at once; otherwise only credit used changes the invoice here.
    if used or settled_status(invoice) != before:
        resettle(invoice)
        await announce_settled(session, invoice, before)
    await session.flush()
    await orders_link.complete_if_paid(session, invoice)
    if invoice.order_id is not None:
        # The invoice is now what the payer pays: the order's waiting intents (pay later) are done.
        await payments.invoice_issued(session, invoice.merchant_id, invoice.order_id)
