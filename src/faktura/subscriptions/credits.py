"""The credit of a change that makes the rest of an invoiced period cheaper.

A downgrade's negative prorations (one per VAT rate, `pricing.netted`) are credited at once, by credit
notes on the invoices that billed the period: its renewal and the invoices of earlier changes in it,
newest first. Each credits lines of the items the change takes away or lowers, at that rate, by amount,
each as far as what is left of it goes (`invoices.credit_notes`, the same door as any credit note). What
such an invoice still owes falls; what was paid becomes the customer's credit, which their next invoice
uses. A credit is never more than the period's invoices have left for those items: the rest is not
credited, and the preview says how much (`uncredited`). A preview quotes the same notes by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import credit_notes
from faktura.invoices.schemas import CreditNoteCreate, CreditNoteItemIn
from faktura.invoices.states import FINALIZED, InvoiceStatus
from faktura.models import Subscription
from faktura.orders.service import CatalogProduct
from faktura.subscriptions import pricing, repository
from faktura.subscriptions.errors import CollectiveCreditRefused, NothingToCredit, PeriodInvoiceNotIssued
from faktura.subscriptions.periods import Period

_REASON_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class Credit:
    """One credit note to issue: amounts of lines of one invoice, and the note as it will be."""

    invoice_id: str
    request: CreditNoteCreate
    quote: credit_notes.Quote


@dataclass(frozen=True, slots=True)
class Credits:
    notes: list[Credit]
    prorations: list[pricing.Proration]  # the negative ones the notes credit
    uncredited: int  # what the prorations asked for beyond what the invoices had left

    @property
    def total(self) -> int:
        return sum(credit.quote.total for credit in self.notes)


async def plan(
    session: AsyncSession,
    subscription: Subscription,
    period: Period,
    prorations: list[pricing.Proration],
    old: list[pricing.ItemTerms],
    catalog: dict[str, CatalogProduct],
) -> Credits:
    """The credit notes that credit `prorations` (each negative) on the period's invoices."""
    if not subscription.separate_invoices:
        raise CollectiveCreditRefused.field(
            "prorationMode",
            CollectiveCreditRefused.code,
            "This change lowers what the rest of the period costs, and the period is billed on a "
            "collective invoice: make it at_period_end, or none.",
        )
    due: dict[tuple[str, Decimal], int] = {}
    for proration in prorations:
        key = pricing.tax_key(catalog[proration.product_id])
        due[key] = due.get(key, 0) - proration.amount
    products = {item.product_id for item in old}
    reason = "; ".join(p.description for p in prorations)[:_REASON_LENGTH]
    notes: list[Credit] = []
    seen: set[str] = set()
    for row in await repository.period_billings(session, subscription.id, period.start, period.end):
        if row.invoice_id is None or row.invoice_id in seen or not any(due.values()):
            continue
        seen.add(row.invoice_id)
        invoice, lines = await credit_notes.creditable(session, subscription.merchant_id, row.invoice_id)
        if invoice.status == InvoiceStatus.DRAFT:
            when = f" until {row.next_action_at.isoformat()}" if row.next_action_at is not None else ""
            raise PeriodInvoiceNotIssued.field(
                "prorationMode",
                PeriodInvoiceNotIssued.code,
                f"The period's invoice {invoice.id} is a draft{when}: make this change once it is issued, "
                "or at_period_end.",
            )
        if InvoiceStatus(invoice.status) not in FINALIZED:
            continue
        items = []
        for line in lines:
            key = (line.tax_category, line.tax_rate)
            take = min(due.get(key, 0), line.amount_left) if line.product_id in products else 0
            if take > 0:
                items.append(CreditNoteItemIn(invoice_item_id=line.invoice_item_id, amount=take))
                due[key] -= take
        if items:
            request = CreditNoteCreate(items=items, reason=reason)
            quote = await credit_notes.quote(session, subscription.merchant_id, invoice.id, request)
            notes.append(Credit(invoice.id, request, quote))
    if not notes:
        raise NothingToCredit.field(
            "prorationMode",
            NothingToCredit.code,
            "This change lowers what the rest of the period costs, but the period's invoices have nothing "
            "left to credit for the items it removes: make it at_period_end, or none.",
        )
    return Credits(notes, prorations, sum(due.values()))
