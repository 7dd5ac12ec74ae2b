"""Rehive's `manager/businesses/{business_id}/invoices/...`: create, read, list, change and cancel a
business invoice; its logs, refunds and transactions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.dialects.rehive.app import BusinessDep, router
from faktura.dialects.rehive.invoices import refunds, service
from faktura.dialects.rehive.invoices.errors import InvoiceStatusNotSettable
from faktura.dialects.rehive.invoices.schemas import (
    Envelope,
    InvoiceIn,
    InvoiceOut,
    InvoicePatch,
    InvoicePut,
    Listed,
    LogOut,
    RefundIn,
    RefundOut,
    TransactionOut,
)
from faktura.dialects.rehive.invoices.states import RehiveStatus
from faktura.dialects.rehive.paging import PageAsked, page_asked
from faktura.kit.errors import ConcurrentChange, ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.orders.errors import (
    InvalidOrderTransition,
    OrderChanged,
    OrderHasPayment,
    OrderNotDraft,
    OrderNotFound,
)
from faktura.payments.errors import PaymentFullyRefunded, PaymentIntentNotRefundable, RefundNotPossible

invoices = router("Invoices")
Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageAsked, Depends(page_asked)]
INVOICES = "/businesses/{business_id}/invoices/"
INVOICE = INVOICES + "{invoice_id}/"
_CHANGE_ERRORS = errors(
    OrderNotFound,
    ValidationFailed,
    OrderNotDraft,
    InvoiceStatusNotSettable,
    InvalidOrderTransition,
    OrderHasPayment,
    OrderChanged,
)


@invoices.get(INVOICES, response_model=Envelope[Listed[InvoiceOut]])
async def list_invoices(
    business: BusinessDep,
    session: Session,
    paging: Paging,
    status: Annotated[RehiveStatus | None, Query(description="Only invoices in this status")] = None,
) -> Envelope[Listed[InvoiceOut]]:
    """List business invoices, newest first.

    With `status`, `count` is of the invoices whose order is in the status it is read from (initiated,
    processing and failed are all open orders); a page shows those in `status`.
    """
    count, shown, more = await service.page(session, business, status, paging.number, paging.size)
    return Envelope(data=paging.listed(count, shown, more))


@invoices.post(
    INVOICES, status_code=201, response_model=Envelope[InvoiceOut], responses=errors(ValidationFailed)
)
async def create_invoice(body: InvoiceIn, business: BusinessDep, session: Session) -> Envelope[InvoiceOut]:
    """Create business invoice: the payer pays `request_amount` on `redirect_url`, then goes to `return_url`.

    `status` `initiated` opens it for payment now; `draft` keeps it changeable until it is PATCHed to
    `initiated`.
    """
    return Envelope(data=await service.create(session, business, body))


@invoices.get(INVOICE, response_model=Envelope[InvoiceOut], responses=errors(OrderNotFound))
async def retrieve_invoice(invoice_id: str, business: BusinessDep, session: Session) -> Envelope[InvoiceOut]:
    """Retrieve business invoice."""
    return Envelope(data=await service.get(session, business, invoice_id))


@invoices.patch(INVOICE, response_model=Envelope[InvoiceOut], responses=_CHANGE_ERRORS)
async def partial_update_invoice(
    invoice_id: str, body: InvoicePatch, business: BusinessDep, session: Session
) -> Envelope[InvoiceOut]:
    """Partially update business invoice: `{"status": "cancelled"}` cancels it.

    A cancelled invoice's page tells the payer so and takes no payment. Other fields change a draft only.
    """
    return Envelope(data=await service.update(session, business, invoice_id, body))


@invoices.put(INVOICE, response_model=Envelope[InvoiceOut], responses=_CHANGE_ERRORS)
async def update_invoice(
    invoice_id: str, body: InvoicePut, business: BusinessDep, session: Session
) -> Envelope[InvoiceOut]:
    """Update business invoice: as PATCH, with `request_amount` and `status` required."""
    return Envelope(data=await service.update(session, business, invoice_id, body))


@invoices.get(INVOICE + "logs/", response_model=Envelope[Listed[LogOut]], responses=errors(OrderNotFound))
async def list_invoice_logs(
    invoice_id: str, business: BusinessDep, session: Session, paging: Paging
) -> Envelope[Listed[LogOut]]:
    """List business invoice logs: always empty, Faktura keeps no record of the payer's visits."""
    await service.order_of(session, business, invoice_id)
    return Envelope(data=paging.sliced([]))


@invoices.get(
    INVOICE + "refunds/", response_model=Envelope[Listed[RefundOut]], responses=errors(OrderNotFound)
)
async def list_invoice_refunds(
    invoice_id: str, business: BusinessDep, session: Session, paging: Paging
) -> Envelope[Listed[RefundOut]]:
    """List business invoice refunds, oldest first."""
    return Envelope(data=paging.sliced(await refunds.listed(session, business, invoice_id)))


@invoices.post(
    INVOICE + "refunds/",
    status_code=201,
    response_model=Envelope[RefundOut],
    responses=errors(
        OrderNotFound,
        ValidationFailed,
        PaymentIntentNotRefundable,
        PaymentFullyRefunded,
        RefundNotPossible,
        ConcurrentChange,
    ),
)
async def create_invoice_refund(
    invoice_id: str, body: RefundIn, business: BusinessDep, session: Session
) -> Envelope[RefundOut]:
    """Create business invoice refund: `amount` of what the payer paid goes back to the card."""
    return Envelope(data=await refunds.refund(session, business, invoice_id, body))


@invoices.get(
    INVOICE + "transactions/",
    response_model=Envelope[Listed[TransactionOut]],
    responses=errors(OrderNotFound),
)
async def list_invoice_transactions(
    invoice_id: str, business: BusinessDep, session: Session, paging: Paging
) -> Envelope[Listed[TransactionOut]]:
    """List business invoice transactions: its payment attempts and refunds, oldest first."""
    return Envelope(data=paging.sliced(await refunds.transactions(session, business, invoice_id)))
