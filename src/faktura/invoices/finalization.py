"""Finalizing: the invoice gets its number, dates, KID and bank account, is booked, and is frozen.

A merchant whose profile lacks what an invoice must name about its seller is refused before a number is
taken. What the issued invoice shows is kept on it (`documents.record`): later changes to the merchant or
the customer never change it.

Everything happens in the request's transaction. The number comes from the series row, locked until
commit, so numbers are gap-free per merchant and series: a finalization that fails gives its number back.
It is taken last: everything that reads or waits comes before it, and after it a finalization only
writes what it decided (the invoice, the payment it took, the order it completed, and its journal
entries and events with them in one batched statement), so the next finalization in the series waits
for a few statements, not for the whole request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from faktura.customers import service as customers
from faktura.documents import record
from faktura.documents import service as documents
from faktura.documents.assemble import seller_party
from faktura.documents.model import Document, DocumentKind
from faktura.documents.requirements import require_seller_details
from faktura.invoices import books, customer_credit, orders_link, repository, settlement
from faktura.invoices.errors import KidLengthExceeded
from faktura.invoices.issued import invoice_between
from faktura.invoices.schemas import InvoiceOut
from faktura.invoices.service import (
    collected_orders,
    issuing,
    load,
    require_draft,
    resettle,
    transition,
    view,
)
from faktura.invoices.states import PAYABLE, InvoiceStatus, settled_status
from faktura.kit import clock
from faktura.kit.clock import today
from faktura.kit.kid import KidTooLong, build_kid
from faktura.links import service as links
from faktura.merchants import service as merchants
from faktura.merchants.terms import invoice_terms
from faktura.models import Customer, Invoice, Merchant
from faktura.orders import service as orders
from faktura.totals.calculator import TaxCategory

OrderInvoiced = Callable[[AsyncSession, str, str], Awaitable[object]]
_ORDER_INVOICED: list[OrderInvoiced] = []


def on_order_invoiced(hook: OrderInvoiced) -> OrderInvoiced:
    """Run `hook(session, merchant_id, order_id)` in the transaction that issues an order's invoice.

    For the domain above invoices: payments ends the order's pay-later intents this way. Imports go one
    way, payments -> invoices, so invoices cannot call it; `faktura.payments.service` registers its hook
    when it is imported, which every process that serves the API or runs jobs does.
    """
    _ORDER_INVOICED.append(hook)
    return hook


async def finalize(session: AsyncSession, merchant_id: str, invoice_id: str) -> InvoiceOut:
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    await finalize_locked(session, invoice)
    return await view(session, invoice)


async def finalize_locked(session: AsyncSession, invoice: Invoice) -> None:
    """Number, date and book a locked draft; then settle it from its order's payments and the
    customer's credit. A zero total is paid at once."""
    require_draft(invoice)
    issuing(session, invoice)
    order = None
    order_ids = [invoice.order_id] if invoice.order_id is not None else []
    if invoice.order_id is not None:
        order = await orders.find(session, invoice.merchant_id, invoice.order_id)
        assert order is not None  # locked with the invoice (`load`)
        orders_link.require_invoiceable(order)
    else:
        order_ids = await collected_orders(session, invoice)
        for order_id in order_ids:  # a collective invoice's orders, locked with it
            found = await orders.find(session, invoice.merchant_id, order_id)
            assert found is not None
            orders_link.require_invoiceable(found)
    merchant = await merchants.require(session, invoice.merchant_id)
    require_seller_details(seller_party(merchant), charges_vat=_charges_vat(invoice))
    customer = await customers.billed(session, invoice.merchant_id, invoice.customer_id)
    terms = invoice_terms(merchant.invoice_settings)
    await links.token_for(session, invoice.merchant_id, links.LinkTarget.INVOICE, invoice.id)
    # The series' row stays locked from the number to the commit, so everything that reads or waits
    # comes first: the payments the order holds and the customer's credit (both locked), the order's
    # token (its event, if settling completes it), its waiting intents, the render job.
    held = await settlement.held_payments(session, invoice)
    short = invoice.total > settlement.free_amount(held, invoice.currency)
    credit = await customer_credit.available(session, invoice) if short else 0
    if order_ids:
        for order_id in order_ids:
            orders.billed_by(session, order_id, invoice.id)
        await links.tokens_of(session, links.LinkTarget.ORDER, order_ids)
        # The invoice is now what the payer pays: the orders' waiting intents (pay later) are done.
        for order_id in order_ids:
            for hook in _ORDER_INVOICED:
                await hook(session, invoice.merchant_id, order_id)
    await documents.schedule_files(session, invoice.merchant_id, DocumentKind.INVOICE, invoice.id)
    number = await repository.take_number(session, invoice.merchant_id, invoice.series)
    try:
        kid = build_kid(number, terms.kid_algorithm, terms.kid_length)
    except KidTooLong as exc:
        raise KidLengthExceeded(str(exc)) from exc
    issued = invoice.issue_date or today()
    invoice.number = number
    invoice.issue_date = issued
    invoice.due_date = issued + timedelta(days=invoice.payment_terms_days)
    invoice.payment_reference = kid
    invoice.bank_account = merchant.bank_account
    invoice.finalized_at = clock.now()
    invoice.amount_due = invoice.total
    # As the invoice.finalized event shows it, open; frozen again if settling it changes what it shows.
    await freeze(session, invoice, merchant, customer, status=InvoiceStatus.OPEN)
    frozen = (InvoiceStatus.OPEN.value, invoice.amount_due, invoice.prepaid_amount)
    await books.invoice_finalized(session, invoice)
    await transition(session, invoice, InvoiceStatus.OPEN)  # announced as invoice.finalized
    # The order's own payments first: they were made for exactly this sale.
    await settlement.attach_held(session, invoice, issuing=True, held=held, order=order)
    used = await customer_credit.use_on(session, invoice, credit) if invoice.status in PAYABLE else 0
    invoice.prepaid_amount += used  # credit used as it is issued is prepaid too (BT-113)
    # A zero total is paid at once; otherwise only credit used changes the invoice here.
    if used or settled_status(invoice) != invoice.status:
        await resettle(session, invoice)
        # Settling from the order's payments completed the order already (`settlement.settle`).
        await orders_link.complete_if_paid(session, invoice, order)
    # Frozen for good once settlement has run: a pay-first invoice is issued paid, with its prepaid
    # amount and no payment link, and its document says so. (A settlement that took nothing left the
    # document as it is.)
    if (invoice.status, invoice.amount_due, invoice.prepaid_amount) != frozen:
        await freeze(session, invoice, merchant, customer)


async def freeze(
    session: AsyncSession,
    invoice: Invoice,
    merchant: Merchant,
    customer: Customer,
    *,
    status: InvoiceStatus | None = None,
) -> Document:
    """Keep everything the issued invoice shows, as the merchant's and customer's rows show it now (and
    in `status`, when it is about to take that)."""
    document = await invoice_between(session, invoice, merchant, customer, status=status)
    invoice.document = record.freeze(document)
    invoice.document_sha256 = record.digest(invoice.document)
    # Keeping the record is no change the API shows: the invoice stays as its last event has it.
    flag_modified(invoice, "updated_at")
    return document


def _charges_vat(invoice: Invoice) -> bool:
    return any(item.tax_category == TaxCategory.STANDARD and item.tax_rate > 0 for item in invoice.items)
