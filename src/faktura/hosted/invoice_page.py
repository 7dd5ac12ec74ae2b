"""The buyer's view of a finalized invoice, at the address its payment link already has.

GET /i/{token}                         the invoice: status, what is due, lines, VAT, totals, how to pay
GET /i/{token}/pdf                     the invoice as PDF (in the page's language when `?lang=` is given)
GET /i/{token}/ubl?format=peppol       the e-invoice: PEPPOL BIS Billing 3.0 (EHF) or OIOUBL 2.1

The token is the invoice's payment-link token (`/pay/{token}`), so one address a buyer was sent leads to
both. Anything but a finalized invoice behind the token is a 404, as an unknown token is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.documents import service
from faktura.documents.i18n import Texts
from faktura.documents.model import BuyerType, Document
from faktura.documents.pdf import guard
from faktura.documents.pdf.view import DocumentView, Row, build
from faktura.documents.requirements import require_e_invoice_seller
from faktura.documents.service import FileFormat
from faktura.documents.ubl.formats import UblFormat
from faktura.hosted import checkout as checkouts
from faktura.hosted import credit_note_page, views
from faktura.hosted.checkout import Checkout, PageState
from faktura.hosted.i18n import PageTexts, Translator
from faktura.hosted.render import render
from faktura.hosted.routing import HostedRoute
from faktura.hosted.standing import standing
from faktura.invoices.issued import invoice_document
from faktura.invoices.states import PAYABLE as INVOICE_PAYABLE
from faktura.invoices.states import InvoiceStatus
from faktura.kit import clock
from faktura.kit.errors import FakturaError
from faktura.kit.routing import get_session
from faktura.links.service import LinkTarget
from faktura.models import Invoice

router = APIRouter(route_class=HostedRoute, include_in_schema=False, tags=["Hosted pages"])
Session = Annotated[AsyncSession, Depends(get_session)]

RETRY_AFTER_SECONDS = 5
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Found:
    checkout: Checkout
    invoice: Invoice
    document: Document


@dataclass(frozen=True, slots=True)
class Download:
    id: str
    label: str
    href: str


@router.get("/i/{token}")
async def show(token: str, request: Request, session: Session) -> Response:
    """The invoice (or credit note) as its buyer reads it."""
    found = await _load(session, token)
    if found is None:
        note = await credit_note_page.load(session, token)
        if note is not None:
            t = credit_note_page.translator(request, note)
            return credit_note_page.page(note, t, _downloads(token, note.document, PageTexts(t.language)))
    t = views.translator(request, found.checkout if found else None)
    if found is None:
        return views.not_found_page(t)
    return _page(found, t)


@router.get("/i/{token}/pdf")
async def pdf_file(token: str, request: Request, session: Session) -> Response:
    """The PDF as issued, in the document's language: the stored file, never rendered here."""
    issued = await _issued(session, token)
    if issued is None:
        return views.not_found_page(views.translator(request, None))
    return await _stored_file(session, issued, FileFormat.PDF)


@router.get("/i/{token}/ubl")
async def ubl_file(token: str, request: Request, session: Session) -> Response:
    """The invoice (or credit note) as a UBL e-invoice, as it was issued."""
    issued = await _issued(session, token)
    t = views.translator(request, None)
    try:
        fmt = UblFormat(request.query_params.get("format", UblFormat.PEPPOL.value))
    except ValueError:
        return views.not_found_page(t)
    if issued is None or fmt not in offered_formats(issued.document):
        return views.not_found_page(t)  # only the formats the page offers this buyer
    return await _stored_file(session, issued, service.ubl_format(fmt))


@dataclass(frozen=True, slots=True)
class Issued:
    """The document behind a token, whichever kind it is."""

    merchant_id: str
    document: Document


async def _issued(session: AsyncSession, token: str) -> Issued | None:
    found = await _load(session, token)
    if found is not None:
        return Issued(found.invoice.merchant_id, found.document)
    note = await credit_note_page.load(session, token)
    return None if note is None else Issued(note.merchant_id, note.document)


async def _stored_file(session: AsyncSession, issued: Issued, fmt: FileFormat) -> Response:
    """A file the render job has stored; until it has (a second or so after issuing), a 503 asking to retry,
    so no request of a stranger's makes the server render."""
    document = issued.document
    assert document.id is not None
    rendered = await service.stored(session, issued.merchant_id, document.kind, document.id, fmt)
    if rendered is None:
        return Response(
            "The document is being prepared; try again in a few seconds.\n",
            status_code=503,
            media_type="text/plain; charset=utf-8",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return _attachment(rendered)


async def _load(session: AsyncSession, token: str) -> Found | None:
    checkout = await checkouts.load(session, token)
    if checkout is None or checkout.target is not LinkTarget.INVOICE or checkout.invoice is None:
        return None
    invoice = checkout.invoice
    if invoice.status == InvoiceStatus.DRAFT:
        return None  # no number, no document: nothing a buyer has been sent
    document = await invoice_document(session, invoice.merchant_id, invoice.id)
    return Found(checkout, invoice, document)


def _page(found: Found, t: Translator) -> HTMLResponse:
    checkout, invoice = found.checkout, found.invoice
    texts = Texts.of(t.language)
    page = PageTexts(t.language)
    document = build(found.document, texts)
    now = standing(invoice, t.language)
    owes = invoice.status in INVOICE_PAYABLE and invoice.amount_due > 0
    # The button only where the payment page takes a payment; the account and KID whenever money is owed.
    payable = owes and checkout.payable
    return render(
        "invoice.html",
        t,
        title=page(
            "invoice_page_title",
            title=document.title,
            number=document.number,
            merchant=checkout.merchant.name,
        ),
        p=page,
        d=texts,
        doc=document,
        state=_state(checkout, invoice),
        headline=now.headline,
        pay_url=f"/pay/{checkout.token}?lang={t.language}" if payable else None,
        pay_label=page("pay_now", amount=texts.money(invoice.amount_due, invoice.currency)),
        totals=_issued_totals(document, texts),
        balance=now.rows,
        payment=_payment(document, invoice, texts) if owes else (),
        downloads=_downloads(checkout.token, found.document, page),
        logo=guard.logo_uri(found.document.branding),
    )


def _state(checkout: Checkout, invoice: Invoice) -> str:
    if checkout.state is PageState.PROCESSING:
        return "processing"
    status = InvoiceStatus(invoice.status)
    if (
        status is InvoiceStatus.OPEN
        and invoice.due_date is not None
        and invoice.due_date < clock.now().date()
    ):
        return "overdue"
    return status.value


def _issued_totals(document: DocumentView, texts: Texts) -> tuple[Row, ...]:
    """The document's totals up to what it was issued for; where the invoice stands now follows them."""
    then = (texts("prepaid"), texts("amount_due"))
    return tuple(row for row in document.totals if row.label not in then)


def _payment(document: DocumentView, invoice: Invoice, texts: Texts) -> tuple[Row, ...]:
    """How to pay, with what is due now rather than what was due when the invoice was issued."""
    label = texts("amount_due")
    due = Row(label, texts.money(invoice.amount_due, invoice.currency), strong=True)
    return (due, *(row for row in document.payment if row.label != label))


def _downloads(token: str, document: Document, page: PageTexts) -> tuple[Download, ...]:
    files = [Download("download-pdf", page("download_pdf"), f"/i/{token}/pdf")]  # in the document's language
    for fmt in offered_formats(document):
        href = f"/i/{token}/ubl?format={fmt.value}"
        files.append(Download(f"download-{fmt.value}", page(f"download_{fmt.value}"), href))
    return tuple(files)


def offered_formats(document: Document) -> tuple[UblFormat, ...]:
    """The e-invoice formats the buyer's page offers: a consumer gets the PDF only; a company PEPPOL BIS
    (EHF in Norway, read across the PEPPOL network), and a Danish company OIOUBL too (NemHandel)."""
    buyer = document.buyer
    if buyer.buyer_type is not BuyerType.CORPORATE or not _ubl_possible(document):
        return ()
    if buyer.country == "DK":
        return (UblFormat.PEPPOL, UblFormat.OIOUBL)
    return (UblFormat.PEPPOL,)


def _ubl_possible(document: Document) -> bool:
    """An e-invoice names its seller by organisation number and address; without them there is none."""
    try:
        require_e_invoice_seller(document.seller)
    except FakturaError:
        return False
    return True


def _attachment(rendered: service.Rendered) -> Response:
    filename = _SAFE_FILENAME.sub("-", rendered.filename)
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
