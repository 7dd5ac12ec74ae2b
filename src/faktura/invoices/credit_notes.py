"""Credit notes: all of an invoice, or some quantity or amount of some lines, never more than invoiced.

A line is credited by quantity (some of its units at its price) or by amount (a part of what it
charged, in the invoice's price basis, shown as 1 x that amount, so that line net = quantity x price
holds as EN 16931 wants). A credit note's figures come from the same calculator as the invoice's (the
invoice's coupon applies in proportion). What is left of a line is its quantity and its amount not
credited yet; a credit of the rest of a line takes exactly what is left of its figures, and the note
that credits the last of every line takes exactly what is left of each of the invoice's figures, so an
invoice's credit notes always add up to the invoice, whatever the rounding did. `quote` shows what a
credit note would be, by the same code, without issuing it.
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
from faktura.kit.money import round_half_up, round_ratio_half_up
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
    by_amount: bool = False  # some of it was credited as an amount: what is left is an amount too


@dataclass(frozen=True, slots=True)
class _Pick:
    """One line of a credit note: how much of invoice line `item` it credits, and how it shows it."""

    item: InvoiceItem
    credits: Decimal  # of the invoice line's quantity
    quantity: Decimal
    unit_price: int
    discount: int

    @property
    def gross(self) -> int:
        numerator, denominator = self.quantity.as_integer_ratio()
        return round_ratio_half_up(numerator * self.unit_price, denominator) - self.discount


@dataclass(slots=True)
class _Figures:
    lines: list[tuple[_Pick, dict[str, int]]]
    totals: dict[str, int]
    taxes: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class CreditLine:
    """A line of a credit note as `quote` shows it."""

    invoice_item_id: str
    product_id: str | None
    price_id: str | None
    description: str
    quantity: Decimal
    unit_price: int
    tax_category: TaxCategory
    tax_rate: Decimal
    net_amount: int
    tax_amount: int


@dataclass(frozen=True, slots=True)
class Quote:
    """The credit note `issue` would make now, not issued."""

    invoice_id: str
    lines: list[CreditLine]
    subtotal: int
    tax_total: int
    total: int


@dataclass(frozen=True, slots=True)
class Creditable:
    """What is left to credit of one invoice line."""

    invoice_item_id: str
    product_id: str | None
    tax_category: str
    tax_rate: Decimal
    amount_left: int  # of what it charged, in the invoice's price basis; 0 once it is fully credited


async def issue(
    session: AsyncSession, merchant_id: str, invoice_id: str, data: CreditNoteCreate
) -> CreditNoteOut:
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    figures = await _figured(session, invoice, data)
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


async def quote(session: AsyncSession, merchant_id: str, invoice_id: str, data: CreditNoteCreate) -> Quote:
    """The credit note `issue` would make of `data` now, figured by the same code, not issued."""
    invoice = await load(session, merchant_id, invoice_id)
    figures = await _figured(session, invoice, data)
    return Quote(
        invoice_id=invoice.id,
        lines=[
            CreditLine(
                invoice_item_id=pick.item.id,
                product_id=pick.item.product_id,
                price_id=pick.item.price_id,
                description=pick.item.description,
                quantity=pick.quantity,
                unit_price=pick.unit_price,
                tax_category=TaxCategory(pick.item.tax_category),
                tax_rate=pick.item.tax_rate,
                net_amount=line_figures["net_amount"],
                tax_amount=line_figures["tax_amount"],
            )
            for pick, line_figures in figures.lines
        ],
        subtotal=figures.totals["tax_exclusive_amount"],
        tax_total=figures.totals["tax_total"],
        total=figures.totals["total"],
    )


async def creditable(
    session: AsyncSession, merchant_id: str, invoice_id: str
) -> tuple[Invoice, list[Creditable]]:
    """The invoice, and what is left to credit of each of its lines."""
    invoice = await load(session, merchant_id, invoice_id)
    done = _credited(await repository.credit_notes_of(session, invoice.id))
    return invoice, [
        Creditable(
            invoice_item_id=item.id,
            product_id=item.product_id,
            tax_category=item.tax_category,
            tax_rate=item.tax_rate,
            amount_left=_amount_left(item, done[item.id]) if item.quantity > done[item.id].quantity else 0,
        )
        for item in invoice.items
    ]


async def _figured(session: AsyncSession, invoice: Invoice, data: CreditNoteCreate) -> _Figures:
    if InvoiceStatus(invoice.status) not in FINALIZED:
        raise InvoiceNotCreditable(
            f"Invoice {invoice.id} is {invoice.status}; only a finalized, not void, invoice can be credited."
        )
    prior = await repository.credit_notes_of(session, invoice.id)
    done = _credited(prior)
    selection = _selection(invoice, data.items, done)
    left = {item.id: item.quantity - done[item.id].quantity for item in invoice.items}
    for pick in selection:
        left[pick.item.id] -= pick.credits
    if any(left.values()):
        return await _computed(session, invoice, selection)
    return _remainder(invoice, prior, selection, done)


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
            credited.quantity += line.credited_quantity
            credited.by_amount |= line.credited_quantity != line.quantity
            for name in _LINE_FIGURES:
                credited.figures[name] += getattr(line, name)
    return done


def _amount_left(item: InvoiceItem, done: _Credited) -> int:
    return item.gross_amount - done.figures["gross_amount"]


def _rest(item: InvoiceItem, done: _Credited) -> _Pick:
    """All that is left of a line: its quantity left at its price when that comes to exactly its amount
    left, else (part of it was credited as an amount, or rounding moved a cent) 1 x its amount left."""
    quantity = item.quantity - done.quantity
    discount = max(0, item.discount - done.figures["discount"])
    amount = _amount_left(item, done)
    pick = _Pick(item, quantity, quantity, item.unit_price, discount)
    if not done.by_amount and pick.gross == amount:
        return pick
    return _Pick(item, quantity, Decimal(1), amount + discount, discount)


def _part(item: InvoiceItem, quantity: Decimal) -> _Pick:
    """Some of a line's units at its price, with their share of its discount."""
    discount = round_half_up(Fraction(item.discount) * Fraction(quantity) / Fraction(item.quantity))
    amount = round_half_up(Fraction(quantity) * item.unit_price)
    return _Pick(item, quantity, quantity, item.unit_price, max(0, min(discount, amount)))


def _selection(
    invoice: Invoice, wanted: list[CreditNoteItemIn] | None, done: dict[str, _Credited]
) -> list[_Pick]:
    """The note's lines; without `wanted`, all that is left of every line."""
    if wanted is None:
        whole = [
            _rest(item, done[item.id]) for item in invoice.items if item.quantity > done[item.id].quantity
        ]
        if not whole:
            raise InvoiceFullyCredited(f"Invoice {invoice.id} is fully credited.")
        return whole
    by_id = {item.id: item for item in invoice.items}
    by_position = {item.position: item for item in invoice.items}
    errors = Collector()
    chosen: list[_Pick] = []
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
        if any(item is taken.item for taken in chosen):
            errors.add(where, "duplicate_item", f"Line {item.position} appears twice.")
            continue
        if line.quantity is not None and line.amount is not None:
            errors.add(
                f"{at}.amount",
                "quantity_and_amount",
                "Give a quantity of the line or an amount of it, not both.",
            )
            continue
        credited = done[item.id]
        remaining = item.quantity - credited.quantity
        amount_left = _amount_left(item, credited)
        if remaining <= 0:
            errors.add(where, "item_fully_credited", f"Line {item.position} is fully credited.")
            continue
        if line.amount is not None:
            if line.amount > amount_left:
                errors.add(
                    f"{at}.amount",
                    "amount_exceeds_invoiced",
                    f"Only {amount_left} of line {item.position}'s amount is left to credit.",
                )
            elif line.amount == amount_left:
                chosen.append(_rest(item, credited))
            else:
                chosen.append(_Pick(item, Decimal(0), Decimal(1), line.amount, 0))
            continue
        quantity = line.quantity if line.quantity is not None else remaining
        if quantity > remaining:
            errors.add(
                f"{at}.quantity",
                "quantity_exceeds_invoiced",
                f"Only {_text(remaining)} of line {item.position} is left to credit.",
            )
        elif quantity == remaining:
            chosen.append(_rest(item, credited))
        elif (pick := _part(item, quantity)).gross > amount_left:
            errors.add(
                f"{at}.quantity",
                "amount_exceeds_invoiced",
                f"{_text(quantity)} of line {item.position} comes to {pick.gross}, and only {amount_left} of "
                "its amount is left to credit.",
            )
        else:
            chosen.append(pick)
    errors.raise_if_any()
    return chosen


async def _computed(session: AsyncSession, invoice: Invoice, selection: list[_Pick]) -> _Figures:
    eligible_products = None
    coupon = await repository.get_coupon(session, invoice.coupon_id) if invoice.coupon_id else None
    if coupon is not None and coupon.product_ids:
        eligible_products = set(coupon.product_ids)
    inputs = [
        LineInput(
            quantity=pick.quantity,
            unit_price=pick.unit_price,
            tax_category=TaxCategory(pick.item.tax_category),
            tax_rate=pick.item.tax_rate,
            discount=pick.discount,
            coupon_eligible=eligible_products is None or pick.item.product_id in eligible_products,
        )
        for pick in selection
    ]
    coupon_input = None
    if coupon is not None and any(line.coupon_eligible for line in inputs):
        if coupon.percent_off is not None:
            coupon_input = CouponInput(percent_off=coupon.percent_off)
        elif coupon.amount_off:
            coupon_input = _amount_in_proportion(coupon.amount_off, invoice, inputs, eligible_products)
    totals = compute_totals(inputs, prices_include_tax=invoice.prices_include_tax, coupon=coupon_input)
    lines = [
        (
            pick,
            {
                "discount": figures.discount,
                "gross_amount": figures.gross_amount,
                "net_amount": figures.net_amount,
                "tax_amount": figures.tax_amount,
            },
        )
        for pick, figures in zip(selection, totals.lines, strict=True)
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
    invoice: Invoice, prior: list[CreditNote], selection: list[_Pick], done: dict[str, _Credited]
) -> _Figures:
    lines = [
        (
            pick,
            {name: getattr(pick.item, name) - done[pick.item.id].figures[name] for name in _LINE_FIGURES},
        )
        for pick in selection
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
            invoice_item_id=pick.item.id,
            position=position,
            description=pick.item.description,
            unit_code=pick.item.unit_code,
            quantity=pick.quantity,
            credited_quantity=pick.credits,
            unit_price=pick.unit_price,
            tax_rate=pick.item.tax_rate,
            tax_category=pick.item.tax_category,
            tax_exemption_reason=pick.item.tax_exemption_reason,
            **line_figures,
        )
        for position, (pick, line_figures) in enumerate(figures.lines, 1)
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
