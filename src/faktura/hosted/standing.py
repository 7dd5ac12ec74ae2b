"""Where an issued invoice stands now: paid (and when), partly paid, credited, cancelled or written off.

The PDF shows the invoice as it was issued; the payer's pages (`/i/` and `/pay`) add this below the
document's total, worded the same on both.
"""

from __future__ import annotations

from dataclasses import dataclass

from faktura.documents.i18n import Texts
from faktura.documents.pdf.view import Row
from faktura.hosted.i18n import PageTexts
from faktura.invoices.states import InvoiceStatus
from faktura.models import Invoice


@dataclass(frozen=True, slots=True)
class Standing:
    headline: str | None  # what the buyer most wants to know, above everything else
    rows: tuple[Row, ...]  # after the document's total: what settled it so far, and what is left


def standing(invoice: Invoice, language: str) -> Standing:
    t = Texts.of(language)
    page = PageTexts(t.language)

    def money(amount: int) -> str:
        return t.money(amount, invoice.currency)

    paid = (Row(page("balance_paid"), money(-invoice.amount_paid)),) if invoice.amount_paid else ()
    credited: tuple[Row, ...] = ()
    if invoice.amount_credited:
        credited = (Row(page("balance_credited"), money(-invoice.amount_credited)),)
    status = InvoiceStatus(invoice.status)
    if status is InvoiceStatus.PAID:
        # No "0,00 left to pay": the payments' own row says it, with the day the invoice was settled.
        when = page("paid_on", date=t.date(invoice.paid_at)) if invoice.paid_at else page("status_paid")
        return Standing(when, (*credited, Row(when, money(invoice.amount_paid), strong=True)))
    if status is InvoiceStatus.VOID:
        last = Row(page("nothing_to_pay"), money(0), strong=True)
        return Standing(_cancelled(invoice, t, page), (*paid, *credited, last))
    if status is InvoiceStatus.UNCOLLECTIBLE:
        last = Row(page("balance_written_off"), money(-invoice.amount_written_off), strong=True)
        day = t.date(invoice.uncollectible_at) if invoice.uncollectible_at else None
        return Standing(page("written_off_on", date=day) if day else None, (*paid, *credited, last))
    settled = (*paid, *credited)
    last = Row(page("balance_due") if settled else t("amount_due"), money(invoice.amount_due), strong=True)
    return Standing(_due(invoice, t, page), (*settled, last))


def _due(invoice: Invoice, t: Texts, page: PageTexts) -> str:
    amount = t.money(invoice.amount_due, invoice.currency)
    date = t.date(invoice.due_date) if invoice.due_date else None
    if not invoice.amount_paid:
        return page("due_by", amount=amount, date=date) if date else page("due_now", amount=amount)
    paid = t.money(invoice.amount_paid, invoice.currency)
    total = t.money(invoice.total, invoice.currency)
    if date is None:
        return page("partly_paid_due_now", paid=paid, total=total, amount=amount)
    return page("partly_paid_due_by", paid=paid, total=total, amount=amount, date=date)


def _cancelled(invoice: Invoice, t: Texts, page: PageTexts) -> str:
    if invoice.amount_credited:
        return page("credited_in_full")
    if invoice.voided_at is None:
        return page("status_void")
    return page("voided_on", date=t.date(invoice.voided_at))
