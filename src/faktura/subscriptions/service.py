"""Subscriptions: created, read, cancelled, paused and resumed. Never commits.

Everything that depends on the date reads the subscription's present (`timing.present`): the real
clock, or its customer's test clock. Periods and their billing are `billing`'s; changes of items and
cycle are `changes`'.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.catalog.service import not_accepted_message
from faktura.config import Settings
from faktura.coupons import service as coupons
from faktura.invoices import service as invoices
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.kit.validation import Collector
from faktura.merchants.terms import time_zone_problem
from faktura.models import BillingCycle, Coupon, Subscription
from faktura.orders import service as orders
from faktura.payments import methods
from faktura.payments.errors import PaymentMethodNotFound
from faktura.subscriptions import billing, pricing, repository, views
from faktura.subscriptions.errors import NoPendingChange, SubscriptionEnded, SubscriptionNotFound
from faktura.subscriptions.periods import local_day
from faktura.subscriptions.schemas import (
    BillingOut,
    CancelRequest,
    PauseRequest,
    SubscriptionCreate,
    SubscriptionItemIn,
    SubscriptionOut,
)
from faktura.subscriptions.states import SUBSCRIPTION_STATES, SubscriptionStatus
from faktura.subscriptions.status import end, record
from faktura.subscriptions.timing import At, present, set_next

S = SubscriptionStatus
# How far back a subscription may start: its missed periods are all billed at once.
MAX_BACKDATE_DAYS = 366
# How far ahead a start or a trial's end may be set.
MAX_LEAD_DAYS = 730


async def create(
    session: AsyncSession, merchant_id: str, data: SubscriptionCreate, settings: Settings
) -> SubscriptionOut:
    errors = Collector()
    terms = await billing.terms_of(session, merchant_id)
    customer_id, items, currency, coupon_code = await _source(session, merchant_id, data, errors)
    customer = await repository.customer(session, merchant_id, customer_id) if customer_id else None
    if customer_id and customer is None:
        errors.add("customerId", "customer_not_found", f"No customer '{customer_id}'.")
    cycle = await active_cycle(session, merchant_id, data.billing_cycle_id, errors)
    monthly = cycle is not None and cycle.interval in ("month", "year")
    if data.billing_anchor is not None and cycle is not None and not monthly:
        errors.add(
            "billingAnchor", "anchor_needs_monthly_cycle", "Only monthly and yearly cycles have an anchor."
        )
    currency = await _currency(session, merchant_id, currency, errors)
    zone = data.time_zone or terms.time_zone
    if data.time_zone is not None and (problem := time_zone_problem(data.time_zone)):
        errors.add("timeZone", "invalid_time_zone", problem)
        zone = terms.time_zone
    item_terms = await checked_items(session, merchant_id, items, currency, [], errors) if currency else []
    coupon = await _coupon(session, merchant_id, coupon_code, currency, item_terms, errors)
    await _check_collection(session, merchant_id, data, customer_id, errors)
    if not data.separate_invoices:
        if data.collection_method != "send_invoice":
            errors.add("separateInvoices", "collective_needs_send_invoice", "A collective invoice is sent.")
        if coupon_code is not None:
            errors.add("couponCode", "coupon_not_collective", "A collective invoice takes no coupon.")
    now = await present(session, customer.test_clock_id if customer else None)
    today = local_day(now, zone)
    start = data.start_date or today
    if start < today - timedelta(days=MAX_BACKDATE_DAYS):
        errors.add(
            "startDate",
            "start_date_too_early",
            f"A subscription starts at most {MAX_BACKDATE_DAYS} days back.",
        )
        start = today
    elif start > today + timedelta(days=MAX_LEAD_DAYS):
        errors.add(
            "startDate", "start_date_too_late", f"A subscription starts at most {MAX_LEAD_DAYS} days ahead."
        )
        start = today
    trial_end = _trial_end(data, start, errors)
    errors.raise_if_any()
    assert customer is not None
    assert cycle is not None
    subscription = Subscription(
        id=new_id("sub"),
        merchant_id=merchant_id,
        customer_id=customer.id,
        order_id=data.order_id,
        test_clock_id=customer.test_clock_id,
        status=S.SCHEDULED.value,
        currency=currency,
        prices_include_tax=bool(item_terms) and all(item.tax_inclusive for item in item_terms),
        billing_cycle_id=cycle.id,
        interval=cycle.interval,
        interval_count=cycle.interval_count,
        anchor_day=(data.billing_anchor or (trial_end or start).day) if monthly else None,
        time_zone=zone,
        collection_method=data.collection_method,
        separate_invoices=data.separate_invoices,
        payment_terms_days=data.payment_terms_days,
        payment_method_id=data.payment_method_id,
        start_date=start,
        trial_end=trial_end,
        schedule_start=trial_end or start,
        period_index=0,
        coupon_id=coupon.id if coupon else None,
        coupon_code=coupon.code if coupon else None,
        coupon_periods_left=_coupon_periods(coupon),
        cancel_at_period_end=False,
        pause_at_period_end=False,
        metadata_=data.metadata or {},
        version=1,
    )
    views.replace_items(subscription, item_terms)
    set_next(subscription)
    await repository.add(session, subscription)
    await record(session, subscription, "subscription.created")
    await billing.advance(session, subscription, At(now, terms, settings))
    return views.subscription_out(subscription)


async def active_cycle(
    session: AsyncSession, merchant_id: str, cycle_id: str, errors: Collector
) -> BillingCycle | None:
    """The merchant's billing cycle, if it is not archived; noted in `errors` otherwise."""
    cycle = await repository.cycle(session, merchant_id, cycle_id)
    if cycle is None or cycle.archived:
        code = "billing_cycle_not_found" if cycle is None else "billing_cycle_archived"
        errors.add("billingCycleId", code, f"No active billing cycle '{cycle_id}'.")
        return None
    return cycle


async def _source(
    session: AsyncSession, merchant_id: str, data: SubscriptionCreate, errors: Collector
) -> tuple[str | None, list[SubscriptionItemIn], str | None, str | None]:
    """The customer, items, currency and coupon code: as sent, or the order's."""
    if data.order_id is None:
        if data.customer_id is None:
            errors.add("customerId", "required", "Give customerId and items, or orderId.")
        if data.items is None:
            errors.add("items", "required", "Give customerId and items, or orderId.")
        return data.customer_id, list(data.items or []), data.currency, data.coupon_code
    order = await orders.find(session, merchant_id, data.order_id)
    if order is None:
        errors.add("orderId", "order_not_found", f"No order '{data.order_id}'.")
        return data.customer_id, [], data.currency, data.coupon_code
    for name, value in (("items", data.items), ("currency", data.currency)):
        if value is not None:
            errors.add(name, "not_allowed", "A subscription made from an order bills the order's products.")
    if order.customer_id is None and data.customer_id is None:
        errors.add("customerId", "required", "The order has no customer: name the subscription's customer.")
    elif order.customer_id and data.customer_id and order.customer_id != data.customer_id:
        errors.add("customerId", "customer_mismatch", f"The order's customer is '{order.customer_id}'.")
    items = []
    for index, item in enumerate(order.items):
        if item.product_id is None:
            errors.add(
                f"orderId.items[{index}]",
                "line_without_product",
                "Every line of the order must be a product.",
            )
            continue
        items.append(
            SubscriptionItemIn(product_id=item.product_id, price_id=item.price_id, quantity=item.quantity)
        )
    return order.customer_id or data.customer_id, items, order.currency, data.coupon_code or order.coupon_code


async def _currency(session: AsyncSession, merchant_id: str, asked: str | None, errors: Collector) -> str:
    terms = await orders.merchant_terms(session, merchant_id, asked.upper() if asked else None)
    assert terms is not None  # the merchant was read already
    currency = asked.upper() if asked else terms.default_currency
    if not terms.currency_accepted:
        errors.add("currency", "currency_not_accepted", not_accepted_message(currency))
        return ""
    return currency


async def checked_items(
    session: AsyncSession,
    merchant_id: str,
    items: list[SubscriptionItemIn],
    currency: str,
    current: list[pricing.ItemTerms],
    errors: Collector,
    field: str = "items",
) -> list[pricing.ItemTerms]:
    """Items as the subscription bills them. Without a priceId, a product the subscription has already
    keeps its price (a newer catalog price reaches it only when named), a new one takes its active
    price in the currency."""
    catalog = await pricing.products(session, merchant_id, [i.product_id for i in items], currency)
    named = await repository.prices(session, merchant_id, [i.price_id for i in items if i.price_id])
    kept = {item.product_id: item for item in current}
    found: list[pricing.ItemTerms] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        at = f"{field}[{index}]"
        product = catalog.get(item.product_id)
        if item.product_id in seen:
            errors.add(f"{at}.productId", "duplicate_product", "Each product appears once; set its quantity.")
            continue
        seen.add(item.product_id)
        if product is None:
            errors.add(f"{at}.productId", "product_not_found", f"No product '{item.product_id}'.")
            continue
        if product.rule is None:
            errors.add(
                f"{at}.productId", "product_without_tax_rule", "A subscribed product needs a VAT rule."
            )
            continue
        if item.price_id is not None:
            price = named.get(item.price_id)
            if price is None or price.product_id != product.id:
                errors.add(f"{at}.priceId", "price_not_found", f"No price '{item.price_id}' of this product.")
                continue
            if price.currency != currency:
                errors.add(f"{at}.priceId", "price_currency_mismatch", f"The price is in {price.currency}.")
                continue
            found.append(
                pricing.ItemTerms(product.id, price.id, price.unit_amount, price.tax_inclusive, item.quantity)
            )
        elif product.id in kept:
            was = kept[product.id]
            found.append(
                pricing.ItemTerms(product.id, was.price_id, was.unit_amount, was.tax_inclusive, item.quantity)
            )
        elif not product.active:
            errors.add(f"{at}.productId", "product_inactive", f"Product '{product.id}' is archived.")
        elif product.price is None:
            errors.add(
                f"{at}.productId", "no_price_in_currency", f"Product '{product.id}' has no {currency} price."
            )
        else:
            price_now = product.price
            found.append(
                pricing.ItemTerms(
                    product.id, price_now.id, price_now.unit_amount, price_now.tax_inclusive, item.quantity
                )
            )
    return found


async def _coupon(
    session: AsyncSession,
    merchant_id: str,
    code: str | None,
    currency: str,
    items: list[pricing.ItemTerms],
    errors: Collector,
) -> Coupon | None:
    if code is None or not currency:
        return None
    coupon = await coupons.by_code(session, merchant_id, code)
    if coupon is None:
        errors.add("couponCode", "coupon_not_found", f"No coupon with code '{code}'.")
        return None
    redeemed = await coupons.redemptions_if_limited(session, coupon)
    try:
        coupons.check_usable(coupon, redeemed, currency=currency, product_ids=[i.product_id for i in items])
    except coupons.CouponRejected as exc:
        errors.details.extend(exc.details)
        return None
    return coupon


def _coupon_periods(coupon: Coupon | None) -> int | None:
    """Billed periods a coupon discounts: once is one, repeating its cycles, forever every one."""
    if coupon is None or coupon.duration == "forever":
        return None
    if coupon.duration == "once":
        return 1
    return coupon.duration_in_cycles


async def _check_collection(
    session: AsyncSession,
    merchant_id: str,
    data: SubscriptionCreate,
    customer_id: str | None,
    errors: Collector,
) -> None:
    if data.collection_method == "send_invoice":
        if data.payment_method_id is not None:
            errors.add("paymentMethodId", "not_allowed", "send_invoice sends invoices; it charges no card.")
        return
    if data.payment_terms_days is not None:
        errors.add("paymentTermsDays", "not_allowed", "Payment terms are for send_invoice.")
    if data.payment_method_id is None:
        return  # the first invoice's page saves the card it is paid with
    await check_payment_method(session, merchant_id, data.payment_method_id, customer_id, errors)


async def check_payment_method(
    session: AsyncSession, merchant_id: str, method_id: str, customer_id: str | None, errors: Collector
) -> None:
    """A saved card of the customer, not detached."""
    try:
        method = await methods.find(session, merchant_id, method_id)
    except PaymentMethodNotFound:
        errors.add("paymentMethodId", "payment_method_not_found", f"No payment method '{method_id}'.")
        return
    if method.detached_at is not None:
        errors.add("paymentMethodId", "payment_method_detached", "The payment method was detached.")
    elif customer_id is not None and method.customer_id != customer_id:
        errors.add("paymentMethodId", "payment_method_not_of_customer", "The card is another customer's.")


def _trial_end(data: SubscriptionCreate, start: date, errors: Collector) -> date | None:
    if data.trial_days is not None and data.trial_end is not None:
        errors.add("trialEnd", "conflicting_trial", "Give trialDays or trialEnd, not both.")
        return None
    if data.trial_days is not None:
        return start + timedelta(days=data.trial_days)
    if data.trial_end is not None and data.trial_end <= start:
        errors.add("trialEnd", "trial_end_before_start", "The trial ends after the subscription starts.")
        return None
    if data.trial_end is not None and data.trial_end > start + timedelta(days=MAX_LEAD_DAYS):
        errors.add("trialEnd", "trial_too_long", f"A trial lasts at most {MAX_LEAD_DAYS} days.")
        return None
    return data.trial_end


async def require(
    session: AsyncSession, merchant_id: str, subscription_id: str, *, lock: bool = False
) -> Subscription:
    subscription = await repository.load(session, merchant_id, subscription_id, lock=lock)
    if subscription is None:
        raise SubscriptionNotFound(subscription_id)
    return subscription


async def get(session: AsyncSession, merchant_id: str, subscription_id: str) -> SubscriptionOut:
    return views.subscription_out(await require(session, merchant_id, subscription_id))


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    customer_id: str | None,
    status: str | None,
) -> tuple[list[SubscriptionOut], str | None]:
    rows, cursor = await repository.page(session, merchant_id, params, customer_id=customer_id, status=status)
    return [views.subscription_out(row) for row in rows], cursor


async def live(
    session: AsyncSession, merchant_id: str, subscription_id: str, settings: Settings
) -> tuple[Subscription, At]:
    """The subscription locked, brought up to its present (boundaries passed are crossed first), with
    that present and the merchant's terms; a canceled one is refused."""
    subscription = await require(session, merchant_id, subscription_id, lock=True)
    terms = await billing.terms_of(session, merchant_id)
    at = At(await present(session, subscription.test_clock_id), terms, settings)
    await billing.advance(session, subscription, at)
    if subscription.status == S.CANCELED:
        raise SubscriptionEnded(f"Subscription {subscription.id} is canceled.")
    return subscription, at


async def cancel(
    session: AsyncSession, merchant_id: str, subscription_id: str, data: CancelRequest, settings: Settings
) -> SubscriptionOut:
    """Now (nothing more is billed; the period already invoiced stands) or at the period's end."""
    subscription, at = await live(session, merchant_id, subscription_id, settings)
    status = S(subscription.status)
    if data.at_period_end and status in (S.ACTIVE, S.PAST_DUE, S.UNPAID, S.TRIALING):
        subscription.cancel_at_period_end = True
        subscription.pause_at_period_end = False
        await record(session, subscription, "subscription.updated")
    else:
        await end(session, subscription, at.now)
    return views.subscription_out(subscription)


async def uncancel(
    session: AsyncSession, merchant_id: str, subscription_id: str, settings: Settings
) -> SubscriptionOut:
    subscription, _ = await live(session, merchant_id, subscription_id, settings)
    if not subscription.cancel_at_period_end:
        raise NoPendingChange(f"Subscription {subscription.id} is not set to cancel.")
    subscription.cancel_at_period_end = False
    await record(session, subscription, "subscription.updated")
    return views.subscription_out(subscription)


async def pause(
    session: AsyncSession, merchant_id: str, subscription_id: str, data: PauseRequest, settings: Settings
) -> SubscriptionOut:
    """At the period's end (a trial's end): the paid period is served, then nothing is billed until
    it resumes, by itself on `resumesAt` or when told."""
    subscription, _ = await live(session, merchant_id, subscription_id, settings)
    status = S(subscription.status)
    if status not in (S.ACTIVE, S.PAST_DUE, S.TRIALING):
        SUBSCRIPTION_STATES.check(status, S.PAUSED)
    end = subscription.current_period_end
    assert end is not None
    if data.resumes_at is not None and data.resumes_at < end:
        raise ValidationFailed.field(
            "resumesAt", "resumes_before_period_end", f"It pauses on {end}; it can resume from then on."
        )
    subscription.pause_at_period_end = True
    subscription.cancel_at_period_end = False
    subscription.resumes_on = data.resumes_at
    await record(session, subscription, "subscription.updated")
    return views.subscription_out(subscription)


async def resume(
    session: AsyncSession, merchant_id: str, subscription_id: str, settings: Settings
) -> SubscriptionOut:
    """A paused subscription starts a new period today (on its anchor day: the first is shorter); a
    pause still to come is called off."""
    subscription, at = await live(session, merchant_id, subscription_id, settings)
    if subscription.pause_at_period_end:
        subscription.pause_at_period_end = False
        subscription.resumes_on = None
        await record(session, subscription, "subscription.updated")
    elif subscription.status == S.PAUSED:
        subscription.resumes_on = local_day(at.now, subscription.time_zone)
        set_next(subscription)
        await billing.advance(session, subscription, at)
    else:
        raise NoPendingChange(f"Subscription {subscription.id} is not paused.")
    return views.subscription_out(subscription)


async def billings(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    subscription_id: str | None,
    customer_id: str | None,
) -> tuple[list[BillingOut], str | None]:
    rows, cursor = await repository.billings_page(
        session, merchant_id, params, subscription_id=subscription_id, customer_id=customer_id
    )
    found = await invoices.statuses(session, merchant_id, {row.invoice_id for row in rows if row.invoice_id})
    # Past due by the subscription's own day: its test clock's, for a test customer.
    times = await repository.clocks_and_zones(session, {row.subscription_id for row in rows})
    presents = {clock_id: await present(session, clock_id) for clock_id, _ in times.values()}
    out = []
    for row in rows:
        status, due = found.get(row.invoice_id or "", (None, None))
        clock_id, zone = times[row.subscription_id]
        out.append(views.billing_out(row, status, local_day(presents[clock_id], zone), due))
    return out, cursor
