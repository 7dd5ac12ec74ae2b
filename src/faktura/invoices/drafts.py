"""Draft invoices: made from an order or from lines, changed, deleted. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

from pydantic.alias_generators import to_camel
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.catalog.service import not_accepted_message
from faktura.customers import service as customers
from faktura.invoices import collective_repository, fees, finalization, orders_link, repository
from faktura.invoices.collective_repository import Group
from faktura.invoices.errors import InvoiceExternalIdTaken, OrderAlreadyInvoiced
from faktura.invoices.schemas import InvoiceCreate, InvoiceOut, InvoiceUpdate
from faktura.invoices.service import (
    announce,
    collected_orders,
    collecting,
    issuing,
    load,
    record,
    require_draft,
    view,
)
from faktura.invoices.states import InvoiceStatus
from faktura.kit import clock
from faktura.kit.clock import today
from faktura.kit.currencies import get_currency
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.validation import Collector
from faktura.links import service as links
from faktura.merchants import service as merchants
from faktura.merchants.errors import MerchantNotFound
from faktura.merchants.terms import invoice_terms
from faktura.models import Coupon, Invoice, InvoiceItem, Order, OrderItem
from faktura.models.numbering import INVOICE_SERIES, TEST_SERIES, series_problem
from faktura.orders import pricing
from faktura.orders import service as orders
from faktura.orders.schemas import OrderItemIn
from faktura.orders.states import OrderStatus
from faktura.parties.validation import default_language
from faktura.totals.calculator import CouponInput, Totals, compute_totals

_FIGURES = (
    "subtotal",
    "discount_total",
    "tax_exclusive_amount",
    "tax_total",
    "tax_inclusive_amount",
    "rounding_amount",
    "total",
    "taxes",
)
_CHECKED_TOTALS = ("subtotal", "discount_total", "tax_exclusive_amount", "tax_total", "total")
_LINES_ONLY = ("currency", "prices_include_tax", "items", *_CHECKED_TOTALS)
_REQUIRED = ("customer_id", "currency", "prices_include_tax", "items", "series", "payment_terms_days")


async def create(
    session: AsyncSession,
    merchant_id: str,
    data: InvoiceCreate,
    *,
    own_lines: bool = False,
    revision_of: str | None = None,
) -> InvoiceOut:
    """A draft invoice: of an order (its lines), or of lines for a customer.

    `own_lines`, for a document handed over (`importing`): the invoice bills the order with the
    document's lines, which are what the buyer received, while the order was a payment request for an
    amount (FarPay's); the order's money still goes to it when it is issued. `revision_of`: the first
    invoice this one replaces (`revisions.revise`).
    """
    if data.external_id is not None:
        taken = await repository.id_by_external_id(session, merchant_id, data.external_id)
        if taken is not None:
            raise InvoiceExternalIdTaken(f"Invoice {taken} has externalId '{data.external_id}'.")
    sent = data.model_dump(exclude_unset=True)
    errors = Collector()
    common = await _common_fields(session, merchant_id, sent, errors)
    common["revision_of"] = revision_of
    if data.order_id is not None or data.order_token is not None:
        invoice = await _from_order(session, merchant_id, data, sent, common, errors, own_lines=own_lines)
    else:
        invoice = await _from_lines(session, merchant_id, data, sent, common, errors)
    issuing(session, invoice)  # new: nothing has credited it, paid it from credit or rendered it
    created = await view(session, invoice)
    await record(session, invoice, created, "invoice.created")
    if not data.finalize:
        return created
    # Pay-first in one call: a paid order's held money settles the invoice as it is numbered.
    await finalization.finalize_locked(session, invoice)
    return await view(session, invoice)


@dataclass(frozen=True, slots=True)
class Billed:
    """An invoice a service bills from lines it priced itself (a subscription's period)."""

    customer_id: str
    currency: str
    prices_include_tax: bool
    lines: list[pricing.PricedLine]
    issue_date: date
    coupon: Coupon | None = None
    payment_terms_days: int | None = None
    series: str | None = None
    note: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def billed_totals(billed: Billed) -> tuple[list[pricing.PricedLine], Totals]:
    """The lines and figures an invoice of `billed` gets: what `create_billed` stores and a preview shows."""
    lines = billed.lines
    coupon = None
    if billed.coupon is not None:
        lines = pricing.with_coupon_eligibility(lines, billed.coupon.product_ids)
        coupon = CouponInput(percent_off=billed.coupon.percent_off, amount_off=billed.coupon.amount_off)
    totals = compute_totals(
        [p.line for p in lines], prices_include_tax=billed.prices_include_tax, coupon=coupon
    )
    return lines, totals


async def create_billed(session: AsyncSession, merchant_id: str, billed: Billed) -> Invoice:
    """A draft of lines priced by the caller, dated `issue_date`; announced as invoice.created."""
    data = InvoiceCreate(
        customer_id=billed.customer_id,
        payment_terms_days=billed.payment_terms_days,
        note=billed.note,
        metadata=billed.metadata,
    )
    common = {"series": billed.series}
    invoice = await _new_invoice(session, merchant_id, data, billed.customer_id, common)
    invoice.currency = billed.currency
    invoice.prices_include_tax = billed.prices_include_tax
    invoice.issue_date = billed.issue_date
    invoice.language = (
        await orders.customer_language(session, merchant_id, billed.customer_id) or invoice.language
    )
    _set_lines(invoice, *billed_totals(billed))
    if billed.coupon is not None:
        invoice.coupon_id = billed.coupon.id
        invoice.coupon_code = billed.coupon.code
    await repository.add(session, invoice)
    issuing(session, invoice)
    collecting(session, invoice, [])  # it bills its lines, no orders: nothing to look up
    await record(session, invoice, await view(session, invoice), "invoice.created")
    return invoice


async def create_collective(
    session: AsyncSession,
    group: Group,
    collected: list[Order],
    *,
    extra_lines: Sequence[pricing.PricedLine] = (),
    issue_date: date | None = None,
) -> Invoice:
    """A draft billing a group's orders, which the caller holds locked and has checked are not
    invoiced (each order's lines, said to be that order's), and `extra_lines` (a customer's renewals
    due with them), priced again as one document by the calculator. The orders are claimed as an
    invoice of one order claims its order; announced as invoice.created."""
    merchant_id, customer_id = group.merchant_id, group.customer_id
    data = InvoiceCreate(customer_id=customer_id, payment_terms_days=group.payment_terms_days)
    invoice = await _new_invoice(session, merchant_id, data, customer_id, {})
    invoice.issue_date = issue_date
    invoice.currency = group.currency
    invoice.prices_include_tax = group.prices_include_tax
    language = await orders.customer_language(session, merchant_id, customer_id)
    invoice.language = language or (collected[0].language if collected else invoice.language)
    lines = [_order_line(order, item) for order in collected for item in order.items] + list(extra_lines)
    totals = compute_totals([p.line for p in lines], prices_include_tax=invoice.prices_include_tax)
    _set_lines(invoice, lines, totals)
    await repository.add(session, invoice)
    if collected:
        await collective_repository.link(session, invoice, [order.id for order in collected])
        collecting(session, invoice, [order.id for order in collected])
    for order in collected:
        orders_link.require_invoiceable(order)
        orders.billed_by(session, order.id, invoice.id)
        if order.status == OrderStatus.DRAFT:
            await orders_link.claim(session, order, customer_id)
        else:  # opened before: no move to announce, but the order now shows its invoice
            await orders.announce(session, merchant_id, order.id, "order.updated")
    issuing(session, invoice)
    await record(session, invoice, await view(session, invoice), "invoice.created")
    return invoice


def _order_line(order: Order, item: OrderItem) -> pricing.PricedLine:
    """An order's stored line, as priced on the order, described as that order's (its reference, or
    its id when it has none)."""
    line = orders.stored_line(item)
    return replace(line, description=f"{order.reference or order.id}: {item.description}"[:1000])


async def update(session: AsyncSession, merchant_id: str, invoice_id: str, data: InvoiceUpdate) -> InvoiceOut:
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    return await change(session, invoice, data)


async def change(session: AsyncSession, invoice: Invoice, data: InvoiceUpdate) -> InvoiceOut:
    """Apply a draft's changes: fields sent replace the stored ones; lines are priced again when the
    items, the currency or the price basis change (lines from an order stay the order's)."""
    require_draft(invoice)
    sent = data.model_dump(exclude_unset=True, exclude={"status"})
    errors = Collector()
    for name in _REQUIRED:
        if name in sent and sent[name] is None:
            errors.add(to_camel(name), "required", f"{to_camel(name)} cannot be null.")
    if invoice.order_id is not None or await collected_orders(session, invoice):
        for name in (*_LINES_ONLY, "customer_id"):
            if sent.get(name) is not None:
                errors.add(to_camel(name), "not_allowed", "An invoice made from an order keeps its lines.")
    errors.raise_if_any()
    common = await _common_fields(session, invoice.merchant_id, sent, errors)
    currency = sent.get("currency", invoice.currency).upper()
    include_tax = sent.get("prices_include_tax", invoice.prices_include_tax)
    basis_changed = currency != invoice.currency or include_tax != invoice.prices_include_tax
    if data.items is None and basis_changed:
        errors.add("items", "required", "Send the items again with a new currency or pricesIncludeTax.")
    if data.items is not None:
        currency = await _currency(session, invoice.merchant_id, data.currency, errors, invoice)
        items = list(data.items)
        # A draft made with the invoice fee keeps it when its lines are replaced, priced anew.
        with_fee = any(item.is_fee for item in invoice.items)
        if with_fee and currency:
            fee = await fees.fee_line(session, invoice.merchant_id, currency, include_tax, errors)
            if fee is not None:
                items.append(fee)
        priced = await _priced(session, invoice.merchant_id, currency, include_tax, items, errors)
        _check_client_figures(sent, priced[1])
        invoice.currency = currency
        invoice.prices_include_tax = include_tax
        _set_lines(invoice, *priced, with_fee=with_fee)
    errors.raise_if_any()
    if "customer_id" in sent:
        invoice.customer_id = sent["customer_id"]
        invoice.language = common["language"]
    for name in ("issue_date", "payment_terms_days", "reference", "order_reference", "note", "exchange_rate"):
        if name in sent:
            setattr(invoice, name, sent[name])
    if "series" in sent:
        invoice.series = common["series"]
    if {"customer_id", "series"} & sent.keys():
        test_customer = await customers.is_test_customer(session, invoice.merchant_id, invoice.customer_id)
        if test_customer or invoice.series == TEST_SERIES:
            invoice.series = TEST_SERIES if test_customer else INVOICE_SERIES
    if "metadata" in sent:
        invoice.metadata_ = sent["metadata"] or {}
    invoice.version += 1
    invoice.updated_at = clock.now()
    return await announce(session, invoice)


async def delete(session: AsyncSession, merchant_id: str, invoice_id: str) -> None:
    """Only drafts go away; a finalized invoice keeps its number and is voided or credited instead."""
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    require_draft(invoice)
    last = await view(session, invoice)
    await repository.delete(session, invoice)
    await record(session, invoice, last, "invoice.deleted")


async def _common_fields(
    session: AsyncSession, merchant_id: str, sent: dict[str, Any], errors: Collector
) -> dict[str, Any]:
    """Check what every draft may carry (customer, series, issue date); note problems, raise nothing."""
    found: dict[str, Any] = {}
    series = sent.get("series")
    if series is not None:
        series = series.upper()
        problem = series_problem(series)
        if problem is not None:
            errors.add("series", *problem)
        found["series"] = series
    issued: date | None = sent.get("issue_date")
    if issued is not None and issued > today():
        errors.add("issueDate", "issue_date_in_future", f"issueDate must be today ({today()}) or earlier.")
    customer_id = sent.get("customer_id")
    if customer_id is not None:
        language = await orders.customer_language(session, merchant_id, customer_id)
        if language is None:
            errors.add("customerId", "customer_not_found", f"No customer '{customer_id}'.")
        found["language"] = language
    return found


async def _from_order(
    session: AsyncSession,
    merchant_id: str,
    data: InvoiceCreate,
    sent: dict[str, Any],
    common: dict[str, Any],
    errors: Collector,
    *,
    own_lines: bool = False,
) -> Invoice:
    for name in _LINES_ONLY:
        if sent.get(name) not in (None, False) and not own_lines:
            errors.add(
                to_camel(name), "not_allowed", "An invoice made from an order takes the order's lines."
            )
    if own_lines and data.invoice_fee:
        errors.add("invoiceFee", "not_allowed", "A document handed over keeps its own lines.")
    if data.order_id is not None and data.order_token is not None:
        errors.add("orderToken", "conflicting_order", "Give orderId or orderToken, not both.")
    order = await _order(session, merchant_id, data, errors)
    if order is not None:
        if order.customer_id is None and data.customer_id is None:
            errors.add("customerId", "required", "The order has no customer: name the invoice's customer.")
        elif order.customer_id and data.customer_id and order.customer_id != data.customer_id:
            errors.add("customerId", "customer_mismatch", f"The order's customer is '{order.customer_id}'.")
    errors.raise_if_any()
    assert order is not None
    orders_link.require_invoiceable(order)
    existing = await repository.live_invoice_of_order(session, merchant_id, order.id)
    if existing is not None:
        raise OrderAlreadyInvoiced(f"Order {order.id} is already invoiced by {existing}.")
    customer_id = order.customer_id or data.customer_id
    assert customer_id is not None
    language = common.get("language") or await orders.customer_language(session, merchant_id, customer_id)
    await orders_link.claim(session, order, customer_id)
    invoice = await _new_invoice(session, merchant_id, data, customer_id, common)
    invoice.order_id = order.id
    # The buyer's purchase order number travels to the invoice (BT-13); Faktura's own ids never do.
    invoice.order_reference = data.order_reference or order.reference
    invoice.currency = order.currency
    invoice.prices_include_tax = order.prices_include_tax
    invoice.language = language or order.language
    if own_lines:
        if data.currency is not None and data.currency.upper() != order.currency:
            raise ValidationFailed.field(
                "currency", "currency_mismatch", f"The order is in {order.currency}, not {data.currency}."
            )
        include_tax = bool(data.prices_include_tax)
        priced = await _priced(
            session, merchant_id, order.currency, include_tax, list(data.items or []), errors
        )
        errors.raise_if_any()
        invoice.prices_include_tax = include_tax
        _set_lines(invoice, *priced)
        await repository.add(session, invoice)
        return invoice
    if data.invoice_fee:
        await _order_lines_with_fee(session, invoice, order, errors)
        await repository.add(session, invoice)
        return invoice
    invoice.coupon_id = order.coupon_id
    invoice.coupon_code = order.coupon_code
    for name in _FIGURES:
        setattr(invoice, name, getattr(order, name))
    invoice.amount_due = order.total
    invoice.items = [_copied_item(invoice, position, item) for position, item in enumerate(order.items, 1)]
    await repository.add(session, invoice)
    return invoice


async def _order_lines_with_fee(
    session: AsyncSession, invoice: Invoice, order: Order, errors: Collector
) -> None:
    """The order's lines as priced on the order, then the merchant's invoice fee, totalled as one
    document. A coupon's discount belongs to the order's own figures, so an order with one takes no fee."""
    if order.coupon_id is not None:
        errors.add("invoiceFee", "not_allowed", "An order with a coupon is invoiced without the fee.")
    fee = await fees.fee_line(session, invoice.merchant_id, order.currency, order.prices_include_tax, errors)
    errors.raise_if_any()
    assert fee is not None
    fee_lines, _ = await _priced(
        session, invoice.merchant_id, order.currency, order.prices_include_tax, [fee], errors
    )
    lines = [orders.stored_line(item) for item in order.items] + fee_lines
    totals = compute_totals([p.line for p in lines], prices_include_tax=order.prices_include_tax)
    _set_lines(invoice, lines, totals, with_fee=True)


async def _order(
    session: AsyncSession, merchant_id: str, data: InvoiceCreate, errors: Collector
) -> Order | None:
    order_id = data.order_id
    field = "orderId"
    if order_id is None and data.order_token is not None:
        field = "orderToken"
        order_id = await order_id_of_token(session, merchant_id, data.order_token)
    order = await orders.find(session, merchant_id, order_id, lock=True) if order_id else None
    if order is None:
        errors.add(field, "order_not_found", "No such order.")
    return order


async def order_id_of_token(session: AsyncSession, merchant_id: str, token: str) -> str | None:
    """The merchant's order that `token` (an order's or a payment intent's page token) names."""
    link = await links.resolve(session, token)
    if link is None or link.merchant_id != merchant_id:
        return None
    if link.target_type == links.LinkTarget.ORDER.value:
        return link.target_id
    if link.target_type == links.LinkTarget.PAYMENT_INTENT.value:
        # The payer paid through the intent's page; that intent names the order.
        return await repository.order_of_intent(session, merchant_id, link.target_id)
    return None


async def _from_lines(
    session: AsyncSession,
    merchant_id: str,
    data: InvoiceCreate,
    sent: dict[str, Any],
    common: dict[str, Any],
    errors: Collector,
) -> Invoice:
    if data.customer_id is None:
        errors.add("customerId", "required", "Give orderId, or customerId and items.")
    if data.items is None:
        errors.add("items", "required", "Give orderId, or customerId and items.")
    currency = await _currency(session, merchant_id, data.currency, errors, None)
    include_tax = bool(data.prices_include_tax)
    items = list(data.items or [])
    if data.invoice_fee and currency:
        fee = await fees.fee_line(session, merchant_id, currency, include_tax, errors)
        if fee is not None:
            items.append(fee)
    priced = await _priced(session, merchant_id, currency, include_tax, items, errors)
    errors.raise_if_any()
    _check_client_figures(sent, priced[1])
    assert data.customer_id is not None
    invoice = await _new_invoice(session, merchant_id, data, data.customer_id, common)
    invoice.currency = currency
    invoice.prices_include_tax = include_tax
    invoice.language = common["language"]
    _set_lines(invoice, *priced, with_fee=data.invoice_fee)
    await repository.add(session, invoice)
    return invoice


async def _new_invoice(
    session: AsyncSession, merchant_id: str, data: InvoiceCreate, customer_id: str, common: dict[str, Any]
) -> Invoice:
    merchant = await merchants.require(session, merchant_id)
    days = data.payment_terms_days
    if days is None:
        days = invoice_terms(merchant.invoice_settings).payment_terms_days
    test_customer = await customers.is_test_customer(session, merchant_id, customer_id)
    now = clock.now()
    return Invoice(
        id=new_id("inv"),
        merchant_id=merchant_id,
        customer_id=customer_id,
        series=TEST_SERIES if test_customer else common.get("series") or INVOICE_SERIES,
        number=None,
        status=InvoiceStatus.DRAFT.value,
        issue_date=data.issue_date,
        payment_terms_days=days,
        amount_paid=0,
        amount_credited=0,
        amount_written_off=0,
        prepaid_amount=0,
        exchange_rate=data.exchange_rate,
        reference=data.reference,
        order_reference=data.order_reference,
        note=data.note,
        metadata_=data.metadata or {},
        external_id=data.external_id,
        revision_of=common.get("revision_of"),
        language=default_language(merchant.country),
        version=1,
        created_at=now,
        updated_at=now,
    )


async def _currency(
    session: AsyncSession, merchant_id: str, asked: str | None, errors: Collector, invoice: Invoice | None
) -> str:
    """The currency asked for (the invoice's or the merchant's when none), if the merchant accepts it."""
    info = errors.check(partial(get_currency, asked, field="currency")) if asked else None
    if asked and info is None:
        return ""
    code = info.code if info else (invoice.currency if invoice else None)
    terms = await orders.merchant_terms(session, merchant_id, code)
    if terms is None:
        raise MerchantNotFound(merchant_id)
    currency = code or terms.default_currency
    if not terms.currency_accepted:
        errors.add("currency", "currency_not_accepted", not_accepted_message(currency))
    return currency


async def _priced(
    session: AsyncSession,
    merchant_id: str,
    currency: str,
    prices_include_tax: bool,
    items: list[OrderItemIn],
    errors: Collector,
) -> tuple[list[pricing.PricedLine], Totals]:
    priced = await pricing.price_items(
        session, merchant_id, items, currency=currency, prices_include_tax=prices_include_tax, errors=errors
    )
    errors.raise_if_any()
    totals = compute_totals([p.line for p in priced], prices_include_tax=prices_include_tax)
    return priced, totals


def _set_lines(
    invoice: Invoice, priced: list[pricing.PricedLine], totals: Totals, *, with_fee: bool = False
) -> None:
    """Store priced lines and their totals; with `with_fee` the last line is the invoice fee."""
    invoice.coupon_id = None
    invoice.coupon_code = None
    invoice.subtotal = totals.subtotal
    invoice.discount_total = totals.discount_total
    invoice.tax_exclusive_amount = totals.tax_exclusive_amount
    invoice.tax_total = totals.tax_total
    invoice.tax_inclusive_amount = totals.tax_inclusive_amount
    invoice.rounding_amount = totals.rounding_amount
    invoice.total = totals.total
    invoice.amount_due = totals.total
    invoice.taxes = [
        {
            "category": s.category.value,
            "rate": str(s.rate),
            "taxableAmount": s.taxable_amount,
            "taxAmount": s.tax_amount,
            "allowanceAmount": s.allowance_amount,
        }
        for s in totals.taxes
    ]
    invoice.items = [
        InvoiceItem(
            id=new_id("ili"),
            merchant_id=invoice.merchant_id,
            position=position,
            **pricing.line_columns(p, figures),
            is_fee=with_fee and position == len(priced),
        )
        for position, (p, figures) in enumerate(zip(priced, totals.lines, strict=True), 1)
    ]


def _copied_item(invoice: Invoice, position: int, item: Any) -> InvoiceItem:
    return InvoiceItem(
        id=new_id("ili"),
        merchant_id=invoice.merchant_id,
        position=position,
        **{
            name: getattr(item, name)
            for name in (
                "product_id",
                "price_id",
                "description",
                "unit_code",
                "quantity",
                "unit_price",
                "discount",
                "tax_rule_id",
                "tax_rate",
                "tax_category",
                "tax_exemption_reason",
                "gross_amount",
                "net_amount",
                "tax_amount",
            )
        },
        is_fee=False,
    )


def _check_client_figures(sent: dict[str, Any], totals: Totals) -> None:
    """Figures a client sends are compared, never used, as on orders."""
    errors = Collector()
    for name in _CHECKED_TOTALS:
        if sent.get(name) is not None and sent[name] != getattr(totals, name):
            expected = getattr(totals, name)
            errors.add(to_camel(name), "totals_mismatch", f"Expected {expected}, got {sent[name]}.")
    for index, item in enumerate(sent.get("items") or []):
        for name in ("net_amount", "tax_amount"):
            expected = getattr(totals.lines[index], name)
            if item.get(name) is not None and item[name] != expected:
                errors.add(
                    f"items[{index}].{to_camel(name)}",
                    "totals_mismatch",
                    f"Expected {expected}, got {item[name]}.",
                )
    errors.raise_if_any("The totals sent do not match the server's computation.")
