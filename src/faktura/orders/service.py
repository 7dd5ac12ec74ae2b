"""Orders: server-computed totals, draft edits, cancellation. Never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pydantic.alias_generators import to_camel
from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from faktura import events
from faktura.catalog.service import not_accepted_message
from faktura.coupons import service as coupons
from faktura.kit import clock
from faktura.kit.currencies import get_currency
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.mapped_rows import new
from faktura.kit.pagination import PageParams
from faktura.kit.routing import public_url_of
from faktura.kit.validation import Collector
from faktura.links import service as links
from faktura.merchants.errors import MerchantNotFound
from faktura.models import Coupon, Order, OrderItem
from faktura.orders import collective, pricing, repository
from faktura.orders.collective import InvoiceInterval
from faktura.orders.errors import (
    OrderChanged,
    OrderCustomerFixed,
    OrderHasPayment,
    OrderNotDraft,
    OrderNotFound,
)
from faktura.orders.schemas import OrderCreate, OrderItemIn, OrderOut, OrderUpdate
from faktura.orders.states import ORDER_STATES, OrderStatus
from faktura.orders.views import order_out
from faktura.parties.validation import default_language, normalize_language
from faktura.totals.calculator import CouponInput, LineInput, TaxCategory, Totals, compute_totals

QUOTE_VALIDITY = timedelta(days=30)
_CHECKED_TOTALS = ("subtotal", "discount_total", "tax_exclusive_amount", "tax_total", "total")


@dataclass(slots=True)
class _Draft:
    """Everything an order's figures are computed from, after validation."""

    currency: str
    prices_include_tax: bool
    customer_id: str | None
    billing_cycle_id: str | None
    coupon: Coupon | None
    language: str
    lines: list[pricing.PricedLine]
    totals: Totals


@dataclass(slots=True)
class _Terms:
    """What an order's figures depend on; `items` None means: keep the stored lines as they are."""

    currency: str | None
    prices_include_tax: bool
    customer_id: str | None
    billing_cycle_id: str | None
    coupon_code: str | None
    items: list[OrderItemIn] | None
    language: str | None = None
    separate_invoices: bool = True


async def create(session: AsyncSession, merchant_id: str, data: OrderCreate) -> OrderOut:
    sent = data.model_dump(exclude_unset=True)
    terms = _Terms(
        currency=data.currency,
        prices_include_tax=data.prices_include_tax,
        customer_id=data.customer_id,
        billing_cycle_id=data.billing_cycle_id,
        coupon_code=data.coupon_code,
        items=data.items,
        language=data.language,
        separate_invoices=data.separate_invoices is not False,
    )
    _check_expiry(data.expires_at)
    draft = await _prepare(session, merchant_id, terms, sent)
    now = clock.now()
    interval = data.invoice_interval or InvoiceInterval.DAILY
    collect_on = None
    if not terms.separate_invoices:
        collect_on = await collective.merchant_collect_on(session, merchant_id, interval, now)
    order_id = new_id("ord")
    order = new(
        Order,
        id=order_id,
        merchant_id=merchant_id,
        status=OrderStatus.DRAFT.value,
        reference=data.reference,
        description=data.description,
        metadata_=data.metadata or {},
        expires_at=data.expires_at or now + QUOTE_VALIDITY,
        created_at=now,
        updated_at=now,
        cancelled_at=None,
        version=1,
        invoice_interval=interval.value,
        separate_invoices=terms.separate_invoices,
        payment_terms_days=data.payment_terms_days,
        collect_on=collect_on,
        items=_items(order_id, merchant_id, draft),
        **_figures(draft),
    )
    link = links.new_link(merchant_id, links.LinkTarget.ORDER, order_id)
    repository.add_new(session, order, link)
    if draft.coupon is not None:
        # Last, so a limited coupon's row is locked only for the commit that follows.
        await coupons.redeem(session, draft.coupon)
    out = order_out(order, link.token, public_url_of(session))
    await _record(session, merchant_id, out, "order.created")
    return out


async def update(session: AsyncSession, merchant_id: str, order_id: str, data: OrderUpdate) -> OrderOut:
    """Change a draft. Lines not sent stay exactly as stored, prices included; sent lines are priced now."""
    order = await _get(session, merchant_id, order_id, lock=True)
    if order.status != OrderStatus.DRAFT:
        raise OrderNotDraft(f"Order {order.id} is {order.status}; only a draft can be changed.")
    sent = data.model_dump(exclude_unset=True)
    errors = Collector()
    for name in ("currency", "prices_include_tax", "items", "invoice_interval", "separate_invoices"):
        if name in sent and sent[name] is None:
            errors.add(to_camel(name), "required", f"{to_camel(name)} cannot be null.")
    errors.raise_if_any()
    terms = _Terms(
        currency=sent.get("currency", order.currency),
        prices_include_tax=sent.get("prices_include_tax", order.prices_include_tax),
        customer_id=sent.get("customer_id", order.customer_id),
        billing_cycle_id=sent.get("billing_cycle_id", order.billing_cycle_id),
        coupon_code=sent.get("coupon_code", order.coupon_code),
        items=data.items,
        language=sent.get("language"),
        separate_invoices=sent.get("separate_invoices", order.separate_invoices),
    )
    if terms.language is None and terms.customer_id == order.customer_id:
        # The language stays as it was set, unless the change is to the customer whose language it was.
        terms.language = order.language
    assert terms.currency is not None
    basis_changed = (
        terms.currency.upper() != order.currency or terms.prices_include_tax != order.prices_include_tax
    )
    if terms.items is None and basis_changed:
        raise ValidationFailed.field(
            "items",
            "required",
            "Send the items again with a new currency or pricesIncludeTax: prices depend on it.",
        )
    _check_expiry(sent.get("expires_at"))
    stored = None if terms.items is not None else [stored_line(i) for i in order.items]
    draft = await _prepare(session, merchant_id, terms, sent, stored=stored, keep_coupon_id=order.coupon_id)
    held_coupon_id = order.coupon_id
    for name, value in _figures(draft).items():
        setattr(order, name, value)
    order.updated_at = clock.now()
    order.version += 1
    if "reference" in sent:
        order.reference = sent["reference"]
    if "description" in sent:
        order.description = sent["description"]
    if "metadata" in sent:
        order.metadata_ = sent["metadata"] or {}
    if "expires_at" in sent:
        order.expires_at = sent["expires_at"]
    if "payment_terms_days" in sent:
        order.payment_terms_days = sent["payment_terms_days"]
    if "invoice_interval" in sent or "separate_invoices" in sent:
        # Changed terms of collection count from the change: the draft as it is now is what is ordered.
        interval = InvoiceInterval(sent.get("invoice_interval") or order.invoice_interval)
        order.invoice_interval = interval.value
        order.separate_invoices = terms.separate_invoices
        order.collect_on = (
            None
            if terms.separate_invoices
            else await collective.merchant_collect_on(session, merchant_id, interval, clock.now())
        )
    # The lines are made anew, as on a new order; the old ones go as orphans of the order.
    order.items = _items(order.id, merchant_id, draft)
    await session.flush()
    if draft.coupon is not None and draft.coupon.id != held_coupon_id:
        # The old coupon's redemption went back when the order stopped holding it.
        await coupons.redeem(session, draft.coupon)
    out = await get(session, merchant_id, order.id)
    await _record(session, merchant_id, out, "order.updated")
    return out


async def cancel(session: AsyncSession, merchant_id: str, order_id: str) -> OrderOut:
    order = await _get(session, merchant_id, order_id)
    if order.status == OrderStatus.PAID:
        raise OrderHasPayment("The order holds a payment; refund it before cancelling.")
    if not await transition(session, order, OrderStatus.CANCELLED):
        raise OrderChanged(f"Order {order.id} changed meanwhile; read it and retry.")
    return await get(session, merchant_id, order.id)


# The event of the status an order entered.
_ENTERED = {
    OrderStatus.OPEN: "order.opened",
    OrderStatus.PAID: "order.paid",
    OrderStatus.COMPLETED: "order.completed",
    OrderStatus.CANCELLED: "order.cancelled",
    OrderStatus.EXPIRED: "order.expired",
}


async def transition(session: AsyncSession, order: Order, target: OrderStatus) -> bool:
    """The one door to an order's status: the move must be in the table, it is made only from the status
    `order` was read in, and the status entered is announced (`order` is then read again).

    False when another transaction moved the order first; what that means is the caller's to say.
    """
    current = OrderStatus(order.status)
    ORDER_STATES.check(current, target)
    now = clock.now()
    stamps = {"cancelled_at": now} if target is OrderStatus.CANCELLED else {}
    moved = await repository.move_status(
        session,
        order.merchant_id,
        order.id,
        current.value,
        target.value,
        into=order,
        updated_at=now,
        **stamps,
    )
    if moved:
        await _announce_moved(session, order, _ENTERED[target])
    return moved


async def _announce_moved(session: AsyncSession, order: Order, event_type: str) -> None:
    """Announce an order the door just moved: its row as the move returned it, its lines as loaded."""
    state = inspect(order)
    if state.session is not session.sync_session or "items" in state.unloaded:
        await announce(session, order.merchant_id, order.id, event_type)
        return
    tokens = await links.tokens_of(session, links.LinkTarget.ORDER, [order.id])
    invoices = await _invoices_of(session, order.merchant_id, [order])
    out = order_out(order, tokens.get(order.id), public_url_of(session), invoices.get(order.id))
    await _record(session, order.merchant_id, out, event_type)


async def announce(session: AsyncSession, merchant_id: str, order_id: str, event_type: str) -> None:
    """Record an event of an order, with the order as now stored."""
    out = await get(session, merchant_id, order_id)
    await _record(session, merchant_id, out, event_type)


async def _record(session: AsyncSession, merchant_id: str, out: OrderOut, event_type: str) -> None:
    await events.record(
        session,
        merchant_id=merchant_id,
        type=event_type,
        resource="order",
        resource_id=out.id,
        data=events.snapshot(out),
    )


async def get(session: AsyncSession, merchant_id: str, order_id: str) -> OrderOut:
    order = await _get(session, merchant_id, order_id)
    tokens = await links.tokens_of(session, links.LinkTarget.ORDER, [order.id])
    invoices = await _invoices_of(session, merchant_id, [order])
    return order_out(order, tokens.get(order.id), public_url_of(session), invoices.get(order.id))


async def by_token(session: AsyncSession, merchant_id: str, token: str) -> OrderOut:
    """The order whose payer's page is `/pay/{token}` (FarPay names orders by it)."""
    link = await links.resolve(session, token)
    if link is None or link.merchant_id != merchant_id or link.target_type != links.LinkTarget.ORDER:
        raise OrderNotFound(token)
    return await get(session, merchant_id, link.target_id)


async def attach_customer(
    session: AsyncSession, merchant_id: str, order_id: str, customer_id: str
) -> OrderOut:
    """Name the buyer of an order made without one, before or after it is paid (a pay-first order);
    naming the customer it has already changes nothing."""
    order = await _get(session, merchant_id, order_id, lock=True)
    if order.customer_id == customer_id:
        return await get(session, merchant_id, order.id)
    if order.customer_id is not None:
        raise OrderCustomerFixed(f"Order {order.id} is for customer {order.customer_id} already.")
    if order.status not in _CUSTOMER_OPEN:
        raise OrderCustomerFixed(f"Order {order.id} is {order.status}; its customer can no longer be set.")
    if await repository.customer_language(session, merchant_id, customer_id) is None:
        raise ValidationFailed.field("customerId", "customer_not_found", f"No customer '{customer_id}'.")
    await name_customer(session, order, customer_id)
    out = await get(session, merchant_id, order.id)
    await _record(session, merchant_id, out, "order.updated")
    return out


_CUSTOMER_OPEN = frozenset({OrderStatus.DRAFT, OrderStatus.OPEN, OrderStatus.PAID})


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, **filters: Any
) -> tuple[list[OrderOut], str | None]:
    rows, cursor = await repository.page(session, merchant_id, params, **filters)
    tokens = await links.tokens_of(session, links.LinkTarget.ORDER, [o.id for o in rows])
    invoices = await _invoices_of(session, merchant_id, rows)
    public_url = public_url_of(session)
    return [order_out(o, tokens.get(o.id), public_url, invoices.get(o.id)) for o in rows], cursor


async def count(session: AsyncSession, merchant_id: str, *, status: OrderStatus | None = None) -> int:
    """How many orders the merchant has, or has in `status`: a page-numbered listing's total."""
    return await repository.count(session, merchant_id, status=status.value if status is not None else None)


def billed_by(session: AsyncSession, order_id: str, invoice_id: str) -> None:
    """For the invoices domain: the collective invoice `invoice_id` bills the order, as of this
    transaction. The order's views then need not ask, which a finalization, writing only under its
    number's lock, cannot afford."""
    _billed(session)[order_id] = invoice_id


async def _invoices_of(session: AsyncSession, merchant_id: str, orders: Iterable[Order]) -> dict[str, str]:
    """The collective invoice of each collective order that has one. An order invoiced by itself shows
    none: its invoices are listed by `GET /Invoices?orderId=`, and a link that never changes once made
    keeps the order's last event what its GET shows."""
    known = _billed(session)
    collective = [order.id for order in orders if not order.separate_invoices]
    found = {order_id: known[order_id] for order_id in collective if order_id in known}
    missing = [order_id for order_id in collective if order_id not in known]
    return found | await repository.collective_invoices_of(session, merchant_id, missing)


_BILLED = "faktura.orders.billed"


def _billed(session: AsyncSession) -> dict[str, str]:
    found: dict[str, str] = session.info.setdefault(_BILLED, {})
    return found


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _transaction_ended(session: Session, *_: object) -> None:
    session.info.pop(_BILLED, None)


async def _get(session: AsyncSession, merchant_id: str, order_id: str, *, lock: bool = False) -> Order:
    order = await repository.get(session, merchant_id, order_id, lock=lock)
    if order is None:
        raise OrderNotFound(order_id)
    return order


async def _prepare(
    session: AsyncSession,
    merchant_id: str,
    terms: _Terms,
    sent: dict[str, Any],
    *,
    stored: list[pricing.PricedLine] | None = None,
    keep_coupon_id: str | None = None,
) -> _Draft:
    """Validate every reference and compute the figures; collect all problems into one 422."""
    errors = Collector()
    asked = errors.check(partial(get_currency, terms.currency, field="currency")) if terms.currency else None
    merchant = await repository.merchant_terms(session, merchant_id, asked.code if asked else None)
    if merchant is None:
        raise MerchantNotFound(merchant_id)
    currency = asked.code if asked else (None if terms.currency else merchant.default_currency)
    if currency is not None and not merchant.currency_accepted:
        errors.add("currency", "currency_not_accepted", not_accepted_message(currency))
        currency = None
    language = default_language(merchant.country)
    if terms.customer_id is not None:
        customer_language = await repository.customer_language(session, merchant_id, terms.customer_id)
        if customer_language is None:
            errors.add("customerId", "customer_not_found", f"No customer '{terms.customer_id}'.")
        else:
            language = customer_language
    if terms.language is not None:
        language = errors.check(partial(normalize_language, terms.language, "language")) or language
    if terms.billing_cycle_id is not None:
        active = await repository.billing_cycle_active(session, merchant_id, terms.billing_cycle_id)
        if not active:
            code = "billing_cycle_not_found" if active is None else "billing_cycle_archived"
            errors.add("billingCycleId", code, f"No active billing cycle '{terms.billing_cycle_id}'.")
    if stored is not None:
        lines = stored
    else:
        lines = await pricing.price_items(
            session,
            merchant_id,
            terms.items or [],
            currency=currency or "",
            prices_include_tax=terms.prices_include_tax,
            errors=errors,
        )
    if not terms.separate_invoices:
        if terms.customer_id is None:
            errors.add(
                "customerId",
                "customer_required",
                "An order invoiced collectively (separateInvoices false) needs a customer.",
            )
        if terms.coupon_code is not None:
            errors.add(
                "couponCode",
                "coupon_not_collective",
                "A coupon discounts one order's invoice; an order invoiced collectively takes none.",
            )
    coupon = None
    if terms.coupon_code is not None and currency is not None and terms.separate_invoices:
        coupon = await _coupon(
            session, merchant_id, terms.coupon_code, currency, lines, keep_coupon_id, errors
        )
    errors.raise_if_any()
    assert currency is not None
    if coupon is not None:
        lines = pricing.with_coupon_eligibility(lines, coupon.product_ids)
    totals = compute_totals(
        [p.line for p in lines],
        prices_include_tax=terms.prices_include_tax,
        coupon=CouponInput(percent_off=coupon.percent_off, amount_off=coupon.amount_off) if coupon else None,
    )
    _check_client_figures(sent, totals)
    return _Draft(
        currency=currency,
        prices_include_tax=terms.prices_include_tax,
        customer_id=terms.customer_id,
        billing_cycle_id=terms.billing_cycle_id,
        coupon=coupon,
        language=language,
        lines=lines,
        totals=totals,
    )


async def _coupon(
    session: AsyncSession,
    merchant_id: str,
    code: str,
    currency: str,
    lines: list[pricing.PricedLine],
    keep_coupon_id: str | None,
    errors: Collector,
) -> Coupon | None:
    coupon = await coupons.by_code(session, merchant_id, code)
    if coupon is None:
        errors.add("couponCode", "coupon_not_found", f"No coupon with code '{code}'.")
        return None
    if coupon.id == keep_coupon_id:
        # The draft holds this redemption already: a limit reached, an expiry or an archiving since
        # does not take the discount away from it.
        return coupon
    redeemed = await coupons.redemptions_if_limited(session, coupon)
    product_ids = [p.product_id for p in lines if p.product_id]
    try:
        coupons.check_usable(coupon, redeemed, currency=currency, product_ids=product_ids)
    except coupons.CouponRejected as exc:
        errors.details.extend(exc.details)
        return None
    return coupon


def _check_client_figures(sent: dict[str, Any], totals: Totals) -> None:
    """Figures a client sends are compared, never used: each one that differs is listed."""
    errors = Collector()
    for name in _CHECKED_TOTALS:
        if sent.get(name) is not None and sent[name] != getattr(totals, name):
            errors.add(
                to_camel(name), "totals_mismatch", f"Expected {getattr(totals, name)}, got {sent[name]}."
            )
    for index, item in enumerate(sent.get("items") or []):
        for name in ("net_amount", "tax_amount"):
            if item.get(name) is not None and item[name] != getattr(totals.lines[index], name):
                errors.add(
                    f"items[{index}].{to_camel(name)}",
                    "totals_mismatch",
                    f"Expected {getattr(totals.lines[index], name)}, got {item[name]}.",
                )
    errors.raise_if_any("The totals sent do not match the server's computation.")


def _figures(draft: _Draft) -> dict[str, Any]:
    """An order's figures from its draft, by attribute: a new order is built with them, a changed
    draft's order is given them."""
    t = draft.totals
    return {
        "customer_id": draft.customer_id,
        "currency": draft.currency,
        "prices_include_tax": draft.prices_include_tax,
        "billing_cycle_id": draft.billing_cycle_id,
        "coupon_id": draft.coupon.id if draft.coupon else None,
        "coupon_code": draft.coupon.code if draft.coupon else None,
        "language": draft.language,
        "subtotal": t.subtotal,
        "discount_total": t.discount_total,
        "tax_exclusive_amount": t.tax_exclusive_amount,
        "tax_total": t.tax_total,
        "tax_inclusive_amount": t.tax_inclusive_amount,
        "rounding_amount": t.rounding_amount,
        "total": t.total,
        "taxes": [
            {
                "category": s.category.value,
                "rate": str(s.rate),
                "taxableAmount": s.taxable_amount,
                "taxAmount": s.tax_amount,
                "allowanceAmount": s.allowance_amount,
            }
            for s in t.taxes
        ],
    }


def _items(order_id: str, merchant_id: str, draft: _Draft) -> list[OrderItem]:
    """The order's lines as priced, new ones each time the lines are priced."""
    return [
        new(
            OrderItem,
            id=new_id("oli"),
            order_id=order_id,
            merchant_id=merchant_id,
            position=position,
            **pricing.line_columns(p, figures),
        )
        for position, (p, figures) in enumerate(zip(draft.lines, draft.totals.lines, strict=True))
    ]


def stored_line(item: OrderItem) -> pricing.PricedLine:
    """A stored line as the calculator needs it, with the price and VAT it was given."""
    return pricing.PricedLine(
        line=LineInput(
            quantity=item.quantity,
            unit_price=item.unit_price,
            tax_category=TaxCategory(item.tax_category),
            tax_rate=item.tax_rate,
            discount=item.discount,
        ),
        product_id=item.product_id,
        price_id=item.price_id,
        description=item.description,
        unit_code=item.unit_code,
        tax_rule_id=item.tax_rule_id,
        tax_exemption_reason=item.tax_exemption_reason,
    )


def _check_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= clock.now():
        raise ValidationFailed.field("expiresAt", "in_past", "expiresAt must be in the future.")


async def find(session: AsyncSession, merchant_id: str, order_id: str, *, lock: bool = False) -> Order | None:
    """The order, or None; for the invoices domain, which bills orders (`lock` for a change to follow)."""
    return await repository.get(session, merchant_id, order_id, lock=lock)


async def name_customer(session: AsyncSession, order: Order, customer_id: str) -> None:
    """A pay-first order gets the customer its invoice names; the caller announces the change."""
    await repository.update_order(session, order.id, {"customer_id": customer_id, "updated_at": clock.now()})


async def customer_language(session: AsyncSession, merchant_id: str, customer_id: str) -> str | None:
    """The live customer's preferred language, or None when there is no such customer."""
    return await repository.customer_language(session, merchant_id, customer_id)


CatalogProduct = repository.CatalogProduct
CatalogPrice = repository.CatalogPrice


async def products_with_prices(
    session: AsyncSession, merchant_id: str, product_ids: Iterable[str], currency: str
) -> dict[str, CatalogProduct]:
    """Each product with its active price in `currency` and its VAT rule (for a subscription's lines)."""
    return await repository.products_with_prices(session, merchant_id, product_ids, currency)


async def merchant_terms(
    session: AsyncSession, merchant_id: str, currency: str | None
) -> repository.MerchantTerms | None:
    """The merchant's country and currency, and whether it accepts `currency` (its own when None)."""
    return await repository.merchant_terms(session, merchant_id, currency)
