"""Invoices and credit notes: drafts, gap-free numbering, payments applied, credits and write-offs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.invoices import credit_notes, credits, drafts, finalization, lifecycle, service
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
from faktura.kit.http import error_responses
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session

invoices = api_router("/api/v1/Invoices", "Invoices")
credit_notes_router = api_router("/api/v1/CreditNotes", "CreditNotes")
customer_credits = api_router("/api/v1/CustomerCredits", "CustomerCredits")
routers: list[APIRouter] = [invoices, credit_notes_router, customer_credits]

Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


@invoices.post("", status_code=201, response_model=InvoiceOut, responses=error_responses(409))
async def create_invoice(body: InvoiceCreate, auth: Auth, session: Session) -> InvoiceOut:
    """Create a draft invoice from an order or from lines; `finalize: true` also numbers it."""
    return await drafts.create(session, auth.merchant_id, body)


@invoices.get("", response_model=Page[InvoiceOut])
async def list_invoices(
    auth: Auth,
    session: Session,
    paging: Paging,
    status: Annotated[InvoiceStatus | None, Query()] = None,
    customer_id: Annotated[str | None, Query(alias="customerId", max_length=40)] = None,
    order_id: Annotated[str | None, Query(alias="orderId", max_length=40)] = None,
) -> Page[InvoiceOut]:
    """List invoices, newest first, by status, customer and order."""
    rows, cursor = await service.page(
        session,
        auth.merchant_id,
        paging,
        status=status.value if status else None,
        customer_id=customer_id,
        order_id=order_id,
    )
    return Page(data=rows, next_cursor=cursor)


@invoices.get("/{invoice_id}", response_model=InvoiceOut, responses=error_responses(404))
async def get_invoice(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Get an invoice with its lines."""
    return await service.get(session, auth.merchant_id, invoice_id)


@invoices.patch("/{invoice_id}", response_model=InvoiceOut, responses=error_responses(404, 409))
async def update_invoice(invoice_id: str, body: InvoiceUpdate, auth: Auth, session: Session) -> InvoiceOut:
    """Change a draft invoice; its figures are computed again."""
    return await drafts.update(session, auth.merchant_id, invoice_id, body)


@invoices.put("/{invoice_id}", response_model=InvoiceOut, responses=error_responses(404, 409))
async def put_invoice(invoice_id: str, body: InvoicePut, auth: Auth, session: Session) -> InvoiceOut:
    """Change a draft, and/or send the invoice with `status: sent`."""
    return await lifecycle.put(session, auth.merchant_id, invoice_id, body)


@invoices.delete("/{invoice_id}", status_code=204, responses=error_responses(404, 409))
async def delete_invoice(invoice_id: str, auth: Auth, session: Session) -> Response:
    """Delete a draft invoice."""
    await drafts.delete(session, auth.merchant_id, invoice_id)
    return Response(status_code=204)


@invoices.post("/{invoice_id}/finalize", response_model=InvoiceOut, responses=error_responses(404, 409))
async def finalize_invoice(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Finalize a draft: number, dates, KID; held payments and credit settle it."""
    return await finalization.finalize(session, auth.merchant_id, invoice_id)


@invoices.post("/{invoice_id}/send", response_model=InvoiceOut, responses=error_responses(404, 409))
async def send_invoice(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Send an invoice (a draft is finalized first): its delivery is queued."""
    return await lifecycle.send(session, auth.merchant_id, invoice_id)


@invoices.post("/{invoice_id}/void", response_model=InvoiceOut, responses=error_responses(404, 409))
async def void_invoice(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Void an open invoice nothing has paid or credited."""
    return await lifecycle.void(session, auth.merchant_id, invoice_id)


@invoices.post(
    "/{invoice_id}/mark-uncollectible", response_model=InvoiceOut, responses=error_responses(404, 409)
)
async def mark_invoice_uncollectible(invoice_id: str, auth: Auth, session: Session) -> InvoiceOut:
    """Write off what an open or partially paid invoice still owes."""
    return await lifecycle.mark_uncollectible(session, auth.merchant_id, invoice_id)


@invoices.post(
    "/{invoice_id}/credit", status_code=201, response_model=CreditNoteOut, responses=error_responses(404, 409)
)
async def credit_invoice(
    invoice_id: str, auth: Auth, session: Session, body: CreditNoteCreate | None = None
) -> CreditNoteOut:
    """Issue a credit note for the whole invoice or for some lines."""
    return await credit_notes.issue(session, auth.merchant_id, invoice_id, body or CreditNoteCreate())


@credit_notes_router.get("", response_model=Page[CreditNoteOut])
async def list_credit_notes(
    auth: Auth,
    session: Session,
    paging: Paging,
    invoice_id: Annotated[str | None, Query(alias="invoiceId", max_length=40)] = None,
    customer_id: Annotated[str | None, Query(alias="customerId", max_length=40)] = None,
) -> Page[CreditNoteOut]:
    """List credit notes, newest first, by invoice and customer."""
    rows, cursor = await credit_notes.page(
        session, auth.merchant_id, paging, invoice_id=invoice_id, customer_id=customer_id
    )
    return Page(data=rows, next_cursor=cursor)


@credit_notes_router.get("/{credit_note_id}", response_model=CreditNoteOut, responses=error_responses(404))
async def get_credit_note(credit_note_id: str, auth: Auth, session: Session) -> CreditNoteOut:
    """Get a credit note."""
    return await credit_notes.get(session, auth.merchant_id, credit_note_id)


@customer_credits.get("", response_model=CustomerCreditPage, responses=error_responses(404))
async def list_customer_credits(
    auth: Auth,
    session: Session,
    paging: Paging,
    customer_id: Annotated[str, Query(alias="customerId", max_length=40)],
) -> CustomerCreditPage:
    """A customer's credit balance per currency and its movements, newest first."""
    return await credits.statement(session, auth.merchant_id, customer_id, paging)
