"""Credit notes: all of an invoice, or some quantity of some lines, never more than was invoiced.

A credit note's figures come from the same calculator as the invoice's (the invoice's coupon applies
in proportion). The note that credits the last of every line instead takes exactly what is left of
each figure, so an invoice's credit notes always add up to the invoice, whatever the rounding did.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import events
from faktura.documents import record
from faktura.documents import service as documents
from faktura.documents.model import DocumentKind
from faktura.invoices import books, customer_credit, repository
from faktura.invoices.errors import CreditNoteNotFound, InvoiceFullyCredited, InvoiceNotCreditable
from faktura.invoices.issued import live_credit_note_document
from faktura.invoices.schemas import CreditNoteCreate, CreditNoteItemIn, CreditNoteOut
from faktura.invoices.service import credited, load, resettle
from faktura.invoices.states import FINALIZED, InvoiceStatus
from faktura.invoices.views import credit_note_out
from faktura.kit.clock import today
from faktura.kit.ids import new_id
from faktura.kit.money import round_half_up
from faktura.kit.pagination import PageParams
from faktura.kit.routing import public_url_of
from faktura.kit.validation import Collector
from faktura.links import service as links
from faktura.models import CreditNote, CreditNoteItem, Invoice, InvoiceItem
from faktura.models.numbering import credit_note_series
from faktura.totals.calculator import CouponInput, LineInput, TaxCategory, compute_totals

ISSUED = "issued"
_TOTALS = (
    "subtotal",
    "discount_total",
    "tax_exclusive_amount",
    "tax_total",
    "tax_inclusive_amount",
    "rounding_amount",
    "total",
)
_LINE_FIGURES = ("discount", "gross_amount", "net_amount", "tax_amount")


@dataclass(slots=True)
class _Credited:
    """What earlier credit notes took from one invoice line."""

    quantity: Decimal = Decimal(0)
    figures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_LINE_FIGURES, 0))


@dataclass(slots=True)
class _Figures:
    lines: list[tuple[InvoiceItem, Decimal, dict[str, int]]]
    totals: dict[str, int]
    taxes: list[dict[str, Any]]


async def issue(
    session: AsyncSession, merchant_id: str, invoice_id: str, data: CreditNoteCreate
) -> CreditNoteOut:
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    if InvoiceStatus(invoice.status) not in FINALIZED:
        raise InvoiceNotCreditable(
            f"Invoice {invoice.id} is {invoice.status}; only a finalized, not void, invoice can be credited."
        )
    prior = await repository.credit_notes_of(session, invoice.id)
    done = _credited(prior)
    selection = _selection(invoice, data.items, done)
    left = {item.id: item.quantity - done[item.id].quantity for item in invoice.items}
    for item, quantity in selection:
        left[item.id] -= quantity
    if any(left.values()):
        figures = await _computed(session, invoice, selection, done)
    else:
        figures = _remainder(invoice, prior, selection, done)
    note = await _write(session, invoice, figures, data.reason)
    await _settle(session, invoice, note)
    await links.token_for(session, note.merchant_id, links.LinkTarget.CREDIT_NOTE, note.id)
    await _freeze(session, note, invoice)
    out = (await _views(session, [note]))[0]
    await events.record(
        session,
        merchant_id=merchant_id,
        type="credit_note.created",
        resource="credit_note",
        resource_id=note.id,
        data=events.snapshot(out),
    )
    await resettle(session, invoice)  # after credit_note.created, which its events follow
    return out


async def _freeze(session: AsyncSession, note: CreditNote, invoice: Invoice) -> None:
    """Keep everything the credit note shows as it is issued, and have its files made after commit."""
    document = await live_credit_note_document(session, note, invoice)
    note.document = record.freeze(document)
    note.document_sha256 = record.digest(note.document)
    await documents.schedule_files(session, note.merchant_id, DocumentKind.CREDIT_NOTE, note.id)


async def get(session: AsyncSession, merchant_id: str, credit_note_id: str) -> CreditNoteOut:
    note = await repository.get_credit_note(session, merchant_id, credit_note_id)
    if note is None:
        raise CreditNoteNotFound(credit_note_id)
    return (await _views(session, [note]))[0]


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, **filters: Any
) -> tuple[list[CreditNoteOut], str | None]:
    rows, cursor = await repository.page_credit_notes(session, merchant_id, params, **filters)
    return await _views(session, rows), cursor


async def _views(session: AsyncSession, notes: list[CreditNote]) -> list[CreditNoteOut]:
    ids = [note.id for note in notes]
    tokens = await links.tokens_of(session, links.LinkTarget.CREDIT_NOTE, ids)
    files = await documents.files_of(session, DocumentKind.CREDIT_NOTE, ids)
    public_url = public_url_of(session)
    return [
        credit_note_out(note, links.document_page_url(public_url, tokens.get(note.id)), files[note.id])
        for note in notes
    ]


def _credited(prior: list[CreditNote]) -> dict[str, _Credited]:
    done: dict[str, _Credited] = defaultdict(_Credited)
    for note in prior:
        for line in note.items:
            if line.invoice_item_id is None:
                continue
            credited = done[line.invoice_item_id]
            credited.quantity += line.quantity
            for name in _LINE_FIGURES:
                credited.figures[name] += getattr(line, name)
    return done


def _selection(
    invoice: Invoice, wanted: list[CreditNoteItemIn] | None, done: dict[str, _Credited]
) -> list[tuple[InvoiceItem, Decimal]]:
    """(line, quantity) pairs to credit; without `wanted`, all that is left of every line."""
    if wanted is None:
        whole = [
            (item, item.quantity - done[item.id].quantity)
            for item in invoice.items
            if item.quantity > done[item.id].quantity
        ]
        if not whole:
            raise InvoiceFullyCredited(f"Invoice {invoice.id} is fully credited.")
        return whole
    by_id = {item.id: item for item in invoice.items}
    by_position = {item.position: item for item in invoice.items}
    errors = Collector()
    chosen: list[tuple[InvoiceItem, Decimal]] = []
    for index, line in enumerate(wanted):
        at = f"items[{index}]"
        if (line.invoice_item_id is None) == (line.position is None):
            errors.add(f"{at}.invoiceItemId", "required", "Give the line's invoiceItemId or its position.")
            continue
        if line.invoice_item_id is not None:
            item, where = by_id.get(line.invoice_item_id), f"{at}.invoiceItemId"
        else:
            item, where = by_position.get(line.position or 0), f"{at}.position"
        if item is None:
            errors.add(where, "invoice_item_not_found", "The invoice has no such line.")
            continue
        if any(item is taken for taken, _ in chosen):
            errors.add(where, "duplicate_item", f"Line {item.position} appears twice.")
            continue
        remaining = item.quantity - done[item.id].quantity
        quantity = line.quantity if line.quantity is not None else remaining
        if remaining <= 0:
            errors.add(where, "item_fully_credited", f"Line {item.position} is fully credited.")
        elif quantity > remaining:
            errors.add(
                f"{at}.quantity",
                "quantity_exceeds_invoiced",
                f"Only {_text(remaining)} of line {item.position} is left to credit.",
            )
        chosen.append((item, quantity))
    errors.raise_if_any()
    return chosen


async def _computed(
    session: AsyncSession,
    invoice: Invoice,
    selection: list[tuple[InvoiceItem, Decimal]],
    done: dict[str, _Credited],
) -> _Figures:
    eligible_products = None
    coupon = await repository.get_coupon(session, invoice.coupon_id) if invoice.coupon_id else None
    if coupon is not None and coupon.product_ids:
        eligible_products = set(coupon.product_ids)
    inputs = []
    for item, quantity in selection:
        remaining = item.quantity - done[item.id].quantity
        if quantity == remaining:
            discount = item.discount - done[item.id].figures["discount"]
        else:
            discount = round_half_up(Fraction(item.discount) * Fraction(quantity) / Fraction(item.quantity))
        amount = round_half_up(Fraction(quantity) * item.unit_price)
        inputs.append(
            LineInput(
                quantity=quantity,
                unit_price=item.unit_price,
                tax_category=TaxCategory(item.tax_category),
                tax_rate=item.tax_rate,
                discount=max(0, min(discount, amount)),
                coupon_eligible=eligible_products is None or item.product_id in eligible_products,
            )
        )
    coupon_input = None
    if coupon is not None and any(line.coupon_eligible for line in inputs):
        if coupon.percent_off is not None:
            coupon_input = CouponInput(percent_off=coupon.percent_off)
        elif coupon.amount_off:
            coupon_input = _amount_in_proportion(coupon.amount_off, invoice, inputs, eligible_products)
    totals = compute_totals(inputs, prices_include_tax=invoice.prices_include_tax, coupon=coupon_input)
    lines = [
        (
            item,
            quantity,
            {
                "discount": figures.discount,
                "gross_amount": figures.gross_amount,
                "net_amount": figures.net_amount,
                "tax_amount": figures.tax_amount,
            },
        )
        for (item, quantity), figures in zip(selection, totals.lines, strict=True)
    ]
    return _Figures(
        lines=lines,
        totals={name: getattr(totals, name) for name in _TOTALS},
        taxes=[
            {
                "category": s.category.value,
                "rate": str(s.rate),
                "taxableAmount": s.taxable_amount,
                "taxAmount": s.tax_amount,
                "allowanceAmount": s.allowance_amount,
            }
            for s in totals.taxes
        ],
    )


def _amount_in_proportion(
    amount_off: int, invoice: Invoice, inputs: list[LineInput], eligible_products: set[str] | None
) -> CouponInput | None:
    """A fixed-amount coupon credits the share of it the credited lines carried on the invoice."""
    invoiced = sum(
        item.gross_amount
        for item in invoice.items
        if eligible_products is None or item.product_id in eligible_products
    )
    credited = sum(
        round_half_up(Fraction(line.quantity) * line.unit_price) - line.discount
        for line in inputs
        if line.coupon_eligible
    )
    if invoiced <= 0:
        return None
    share = round_half_up(Fraction(min(amount_off, invoiced) * credited, invoiced))
    return CouponInput(amount_off=share) if share > 0 else None


def _remainder(
    invoice: Invoice,
    prior: list[CreditNote],
    selection: list[tuple[InvoiceItem, Decimal]],
    done: dict[str, _Credited],
) -> _Figures:
    lines = [
        (item, quantity, {name: getattr(item, name) - done[item.id].figures[name] for name in _LINE_FIGURES})
        for item, quantity in selection
    ]
    totals = {name: getattr(invoice, name) - sum(getattr(n, name) for n in prior) for name in _TOTALS}
    taken: dict[tuple[str, Decimal], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for note in prior:
        for tax in note.taxes:
            group = taken[(tax["category"], Decimal(tax["rate"]))]
            for name in ("taxableAmount", "taxAmount", "allowanceAmount"):
                group[name] += int(tax[name])
    taxes = []
    for tax in invoice.taxes:
        group = taken[(tax["category"], Decimal(tax["rate"]))]
        taxes.append(
            {
                "category": tax["category"],
                "rate": tax["rate"],
                **{
                    name: int(tax[name]) - group[name]
                    for name in ("taxableAmount", "taxAmount", "allowanceAmount")
                },
            }
        )
    return _Figures(lines=lines, totals=totals, taxes=taxes)


async def _write(
    session: AsyncSession, invoice: Invoice, figures: _Figures, reason: str | None
) -> CreditNote:
    series = credit_note_series(invoice.series)
    number = await repository.take_number(session, invoice.merchant_id, series)
    total = figures.totals["total"]
    receivable = max(0, min(total, invoice.amount_due))
    written_off = max(0, min(total - receivable, invoice.amount_written_off))
    credited(session, invoice.id)
    note = CreditNote(
        id=new_id("crn"),
        merchant_id=invoice.merchant_id,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        series=series,
        number=number,
        status=ISSUED,
        currency=invoice.currency,
        issue_date=today(),
        reason=reason,
        taxes=figures.taxes,
        amount_applied=receivable + written_off,
        amount_to_credit=total - receivable - written_off,
        **figures.totals,
    )
    note.items = [
        CreditNoteItem(
            id=new_id("cni"),
            merchant_id=invoice.merchant_id,
            invoice_item_id=item.id,
            position=position,
            description=item.description,
            unit_code=item.unit_code,
            quantity=quantity,
            unit_price=item.unit_price,
            tax_rate=item.tax_rate,
            tax_category=item.tax_category,
            tax_exemption_reason=item.tax_exemption_reason,
            **line_figures,
        )
        for position, (item, quantity, line_figures) in enumerate(figures.lines, 1)
    ]
    await repository.add(session, note)
    return note


async def _settle(session: AsyncSession, invoice: Invoice, note: CreditNote) -> None:
    """The note first reduces what the invoice owes, then what was written off; the rest is credit."""
    receivable = min(note.amount_applied, max(invoice.amount_due, 0))
    written_off = note.amount_applied - receivable
    await books.credit_note_issued(session, note, invoice, receivable=receivable, written_off=written_off)
    if note.amount_to_credit > 0:
        await customer_credit.grant(
            session,
            merchant_id=invoice.merchant_id,
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            amount=note.amount_to_credit,
            source_type="credit_note",
            source_id=note.id,
        )
    invoice.amount_credited += note.total
    invoice.amount_due -= receivable
    invoice.amount_written_off -= written_off
    await session.flush()


def _text(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")
