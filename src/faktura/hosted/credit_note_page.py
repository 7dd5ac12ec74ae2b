"""The buyer's view of a credit note, at its own `/i/{token}` (the credit note's `hostedUrl`).

The routes are the invoice page's (`invoice_page`): a token that names a credit note is shown here. Like
an issued invoice, it is read from its frozen record and its files are the stored ones; there is nothing
to pay.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.documents.i18n import Texts
from faktura.documents.model import Document
from faktura.documents.pdf import guard
from faktura.documents.pdf.view import build
from faktura.hosted.i18n import PageTexts, Translator, choose_language
from faktura.hosted.render import render
from faktura.invoices.issued import credit_note_document
from faktura.kit.errors import ResourceNotFound
from faktura.links import service as links
from faktura.links.service import LinkTarget


@dataclass(frozen=True, slots=True)
class FoundNote:
    token: str
    merchant_id: str
    document: Document


async def load(session: AsyncSession, token: str) -> FoundNote | None:
    """The credit note behind a token; None when the token names something else or nothing."""
    link = await links.resolve(session, token)
    if link is None or link.target_type != LinkTarget.CREDIT_NOTE.value:
        return None
    try:
        document = await credit_note_document(session, link.merchant_id, link.target_id)
    except ResourceNotFound:
        return None
    return FoundNote(token, link.merchant_id, document)


def translator(request: Request, found: FoundNote) -> Translator:
    accept = request.headers.get("accept-language")
    return Translator(choose_language(request.query_params.get("lang"), found.document.language, accept))


def page(found: FoundNote, t: Translator, downloads: tuple[object, ...]) -> HTMLResponse:
    texts = Texts.of(t.language)
    page_texts = PageTexts(t.language)
    document = build(found.document, texts)
    return render(
        "invoice.html",
        t,
        title=page_texts(
            "invoice_page_title",
            title=document.title,
            number=document.number,
            merchant=found.document.seller.name,
        ),
        p=page_texts,
        d=texts,
        doc=document,
        state="credit_note",
        headline=None,
        pay_url=None,
        pay_label="",
        totals=document.totals,
        balance=(),
        payment=(),
        downloads=downloads,
        logo=guard.logo_uri(found.document.branding),
    )
