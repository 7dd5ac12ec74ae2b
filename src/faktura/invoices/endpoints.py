"""Invoices and credit notes: drafts, gap-free numbering, payments applied, credits and write-offs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.customers.errors import CustomerNotFound
from faktura.documents.errors import SellerDetailsMissing
from faktura.invoices import credit_notes, customer_credit, drafts, finalization, lifecycle, service
from faktura.invoices.errors import (
    CreditNoteNotFound,
    InvalidInvoiceTransition,
    InvoiceChanged,
    InvoiceExternalIdTaken,
    InvoiceFullyCredited,
    InvoiceNotCreditable,
    InvoiceNotDraft,
    InvoiceNotFinalized,
    InvoiceNotFound,
    InvoiceNotSendable,
    InvoiceNotVoidable,
    KidLengthExceeded,
    OrderAlreadyInvoiced,
    OrderNotInvoiceable,
)
from faktura.invoices.schemas import (
    CreditNoteCreate,
    CreditNoteOut,
    CustomerCreditPage,
    InvoiceCreate,
    InvoiceOut,
    InvoicePut,
    InvoiceUpdate,
)
from faktura.invoices.states import InvoiceStatus
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.merchants.errors import InvalidInvoiceSettings
from faktura.orders.errors import OrderChanged

invoices = api_router("/api/v1/Invoices", "Invoices")
credit_notes_router = api_router("/api/v1/CreditNotes", "CreditNotes")
customer_credits = api_router("/api/v1/CustomerCredits", "CustomerCredits")
routers: list[APIRouter] = [invoices, credit_notes_router, customer_credits]

Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]
# What finalizing a draft can refuse: sending and `finalize: true` finalize too.
_FINALIZING = (
    OrderNotInvoiceable,
    OrderChanged,
    SellerDetailsMissing,
    KidLengthExceeded,
    InvalidInvoiceSettings,
    InvoiceChanged,
)


@invoices.post(
    "",
    status_code=201,
    response_model=InvoiceOut,
    responses=errors(
        OrderAlreadyInvoiced,
        InvoiceExternalIdTaken,
        OrderNotInvoiceable,
        OrderChanged,
        *_FINALIZING,
    ),
)
async def create_invoice(body: InvoiceCreate, auth: Auth, session: Session) -> InvoiceOut:
    """Create a draft invoice from an order or from lines; `finalize: true` also numbers it.

    From an order its lines, customer and coupon are copied and the order is linked (one invoice per
    order); from lines the figures are computed as for an order. The draft gets no number until it is
    finalized.
    """
    return await drafts.create(session, auth.merchant_id, body)


@invoices.get("", response_model=Page[InvoiceOut])
async def list_invoices(
    auth: Auth,
    session: Session,
    paging: Paging,
    status: Annotated[InvoiceStatus | None, Query()] = None,
    customer_id: Annotated[str | None, Query(alias="customerId", max_length=40)] = None,
    order_id: Annotated[str | None, Query(alias="orderId", max_length=40)] = None,
    external_id: Annotated[str | None, Query(alias="externalId", max_length=100)] = None,
) -> Page[InvoiceOut]:
    """List invoices, newest first, by status, customer, order and the merchant's own id.

    Filter by status, customer, order and `externalId`; pages follow `nextCursor`.
    """
    rows, cursor = await service.page(
        session,
        auth.merchant_id,
        paging,
        status=status.value if status else None,
        customer_id=customer_id,
        order_id=order_id,
        external_id=external_id,
    )
    return Page(data=rows, next_cursor=cursor)


@invoices.get("/{invoice_id}", response_model=InvoiceOut, responses=errors(InvoiceNotFound))
async def get_invoice(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Get an invoice with its lines.

    With its lines, totals, number, KID, due date, what is paid, credited and due, and its delivery
    status.
    """
    return await service.get(session, auth.merchant_id, invoice_id)


@invoices.patch(
    "/{invoice_id}", response_model=InvoiceOut, responses=errors(InvoiceNotFound, InvoiceNotDraft)
)
async def update_invoice(invoice_id: str, body: InvoiceUpdate, auth: Auth, session: Session) -> InvoiceOut:
    """Change a draft invoice; its figures are computed again.

    Only a draft can change. Fields sent replace the stored ones; lines sent replace all lines.
    """
    return await drafts.update(session, auth.merchant_id, invoice_id, body)


@invoices.put(
    "/{invoice_id}",
    response_model=InvoiceOut,
    responses=errors(
        InvoiceNotFound,
        InvoiceNotDraft,
        InvoiceNotSendable,
        *_FINALIZING,
    ),
)
async def put_invoice(invoice_id: str, body: InvoicePut, auth: Auth, session: Session) -> InvoiceOut:
    """Change a draft, and/or send the invoice with `status: sent`.

    The Billing & Sales way of editing and sending in one call: the draft's fields change first, then
    `status: sent` finalizes it (if a draft) and queues its delivery.
    """
    return await lifecycle.put(session, auth.merchant_id, invoice_id, body)


@invoices.delete("/{invoice_id}", status_code=204, responses=errors(InvoiceNotFound, InvoiceNotDraft))
async def delete_invoice(invoice_id: str, auth: Auth, session: Session) -> Response:
    """Delete a draft invoice.

    A finalized invoice is a legal record and is never deleted: void it or credit it instead.
    """
    await drafts.delete(session, auth.merchant_id, invoice_id)
    return Response(status_code=204)


@invoices.post(
    "/{invoice_id}/finalize",
    response_model=InvoiceOut,
    responses=errors(InvoiceNotFound, InvoiceNotDraft, *_FINALIZING),
)
async def finalize_invoice(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Finalize a draft: number, dates, KID; held payments and credit settle it.

    Takes the next gap-free number of the invoice's series, sets the issue and due dates and the KID,
    posts the invoice to the ledger and freezes what it shows. Payments held on its order and the
    customer's credit are applied at once.
    """
    return await finalization.finalize(session, auth.merchant_id, invoice_id)


@invoices.post(
    "/{invoice_id}/send",
    response_model=InvoiceOut,
    responses=errors(InvoiceNotFound, InvoiceNotSendable, *_FINALIZING),
)
async def send_invoice(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Send an invoice (a draft is finalized first): its delivery is queued.

    The delivery is queued and tried after commit: EHF when the buyer is a PEPPOL participant, then
    e-mail, then post. Sending again queues another delivery; `sentAt` keeps the first time.
    """
    return await lifecycle.send(session, auth.merchant_id, invoice_id)


@invoices.post(
    "/{invoice_id}/void",
    response_model=InvoiceOut,
    responses=errors(
        InvoiceNotFound, InvoiceNotFinalized, InvoiceNotVoidable, InvalidInvoiceTransition, InvoiceChanged
    ),
)
async def void_invoice(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Void an open invoice nothing has paid or credited.

    The invoice keeps its number and its booking is reversed. An invoice with payments or credit notes
    is corrected with a credit note instead.
    """
    return await lifecycle.void(session, auth.merchant_id, invoice_id)


@invoices.post(
    "/{invoice_id}/mark-uncollectible",
    response_model=InvoiceOut,
    responses=errors(InvoiceNotFound, InvalidInvoiceTransition, InvoiceChanged),
)
async def mark_invoice_uncollectible(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Write off what an open or partially paid invoice still owes.

    The remainder is booked as a loss; a payment that arrives later still settles the invoice.
    """
    return await lifecycle.mark_uncollectible(session, auth.merchant_id, invoice_id)


@invoices.post(
    "/{invoice_id}/credit",
    status_code=201,
    response_model=CreditNoteOut,
    responses=errors(InvoiceNotFound, InvoiceNotCreditable, InvoiceFullyCredited, InvoiceChanged),
)
async def credit_invoice(
    invoice_id: str, auth: Auth, session: Session, body: CreditNoteCreate | None = None
) -> CreditNoteOut:
    """Issue a credit note for the whole invoice or for some lines.

    Without lines the credit note covers what is not credited yet; with lines, those lines (by id or
    position) and quantities. The credit reduces what is due, and any excess becomes the customer's
    credit.
    """
    return await credit_notes.issue(session, auth.merchant_id, invoice_id, body or CreditNoteCreate())


@credit_notes_router.get("", response_model=Page[CreditNoteOut])
async def list_credit_notes(
    auth: Auth,
    session: Session,
    paging: Paging,
    invoice_id: Annotated[str | None, Query(alias="invoiceId", max_length=40)] = None,
    customer_id: Annotated[str | None, Query(alias="customerId", max_length=40)] = None,
) -> Page[CreditNoteOut]:
    """List credit notes, newest first, by invoice and customer.

    Filter by the invoice credited and by customer; pages follow `nextCursor`.
    """
    rows, cursor = await credit_notes.page(
        session, auth.merchant_id, paging, invoice_id=invoice_id, customer_id=customer_id
    )
    return Page(data=rows, next_cursor=cursor)


@credit_notes_router.get(
    "/{credit_note_id}", response_model=CreditNoteOut, responses=errors(CreditNoteNotFound)
)
async def get_credit_note(credit_note_id: str, auth: Auth, session: Session) -> CreditNoteOut:
    """Get a credit note.

    With its number, lines, totals and the invoice it credits.
    """
    return await credit_notes.get(session, auth.merchant_id, credit_note_id)


@customer_credits.get("", response_model=CustomerCreditPage, responses=errors(CustomerNotFound))
async def list_customer_credits(
    auth: Auth,
    session: Session,
    paging: Paging,
    customer_id: Annotated[str, Query(alias="customerId", max_length=40)],
) -> CustomerCreditPage:
    """A customer's credit balance per currency and its movements, newest first.

    Credit comes from credit notes and overpayments and is used on the customer's next invoices; each
    movement names its source.
    """
    return await customer_credit.statement(session, auth.merchant_id, customer_id, paging)
