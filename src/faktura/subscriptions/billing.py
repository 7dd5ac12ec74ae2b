"""Renewal: a subscription crosses its period's boundary, and the new period is billed.

`advance` moves a locked subscription over every boundary that has come, one at a time and in order,
so a billing run that was down for a week bills each missed period, oldest first. Each period's renewal
is a billing row unique by (subscription, period start): the lock makes a second run wait and then find
nothing due, and the unique key stops any that slipped past it. A renewal's invoice is a draft for the
merchant's grace window, counted from the period's first moment, and is then finalized and sent
through the normal numbering, ledger and delivery (`finalize_renewal`). Never commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import events
from faktura.invoices import drafts, finalization, lifecycle
from faktura.invoices import service as invoices
from faktura.invoices.states import InvoiceStatus
from faktura.kit.ids import new_id
from faktura.merchants import service as merchants
from faktura.merchants.terms import SubscriptionTerms, subscription_terms
from faktura.models import Invoice, Subscription, SubscriptionBilling
from faktura.models.numbering import INVOICE_SERIES
from faktura.orders.pricing import PricedLine
from faktura.subscriptions import pricing, repository, views
from faktura.subscriptions.periods import Period, local_day
from faktura.subscriptions.states import SUBSCRIPTION_STATES, BillingStatus, SubscriptionStatus
from faktura.subscriptions.timing import begins, schedule

S = SubscriptionStatus
# Invoices of test customers are numbered apart, so the merchant's own series never holds them.
TEST_SERIES = "TEST"


async def terms_of(session: AsyncSession, merchant_id: str) -> SubscriptionTerms:
    merchant = await merchants.require(session, merchant_id)
    return subscription_terms(merchant.invoice_settings)


def boundary(subscription: Subscription) -> date | None:
    """The local date the subscription's next step happens on, or None when nothing is coming."""
    status = S(subscription.status)
    if status is S.SCHEDULED:
        return subscription.start_date
    if status is S.TRIALING:
        return subscription.trial_end
    if status is S.PAUSED:
        return subscription.resumes_on
    if status in (S.ACTIVE, S.PAST_DUE, S.INCOMPLETE):
        return subscription.current_period_end
    return None


def set_next(subscription: Subscription) -> None:
    day = boundary(subscription)
    subscription.renews_at = begins(day, subscription.time_zone) if day is not None else None


async def advance(
    session: AsyncSession, subscription: Subscription, now: datetime, terms: SubscriptionTerms
) -> int:
    """Cross every boundary of a locked subscription up to `now`, in order; returns how many."""
    steps = 0
    while subscription.renews_at is not None and subscription.renews_at <= now:
        await _step(session, subscription, now, terms)
        steps += 1
    return steps


async def _step(
    session: AsyncSession, subscription: Subscription, now: datetime, terms: SubscriptionTerms
) -> None:
    day = boundary(subscription)
    assert day is not None
    status = S(subscription.status)
    if status in (S.ACTIVE, S.PAST_DUE, S.INCOMPLETE) and subscription.cancel_at_period_end:
        await end(session, subscription, begins(day, subscription.time_zone))
        return
    if status in (S.ACTIVE, S.PAST_DUE) and subscription.pause_at_period_end:
        await _pause(session, subscription)
        return
    if status is S.SCHEDULED and subscription.trial_end is not None:
        await _move(session, subscription, S.TRIALING)
        subscription.current_period_start = subscription.start_date
        subscription.current_period_end = subscription.trial_end
        set_next(subscription)
        return
    restarted = _apply_pending_change(subscription, day)
    if restarted or status in (S.SCHEDULED, S.TRIALING, S.PAUSED):
        subscription.schedule_start = day
        subscription.period_index = 0
    else:
        subscription.period_index += 1
    period = schedule(subscription).period(subscription.period_index)
    subscription.current_period_start = period.start
    subscription.current_period_end = period.end
    subscription.resumes_on = None
    subscription.renews_at = begins(period.end, subscription.time_zone)
    billing = await bill_period(session, subscription, period, now, terms)
    if status is S.TRIALING:
        await _move(session, subscription, S.ACTIVE)
        await _record(session, subscription, "subscription.trial_ended")
    elif status is S.PAUSED:
        await _move(session, subscription, S.ACTIVE)
        await _record(session, subscription, "subscription.resumed")
    elif status is S.SCHEDULED:
        await _move(session, subscription, S.ACTIVE)
    await _record(session, subscription, "subscription.renewed", billing)


def _apply_pending_change(subscription: Subscription, day: date) -> bool:
    """Apply the change scheduled for this boundary; True when it started a new schedule (a new cycle)."""
    change = subscription.pending_change
    if not change or date.fromisoformat(change["effectiveOn"]) > day:
        return False
    subscription.pending_change = None
    if change.get("items") is not None:
        views.replace_items(subscription, [pricing.ItemTerms.of_json(item) for item in change["items"]])
    cycle = change.get("cycle")
    if cycle is None:
        return False
    subscription.billing_cycle_id = cycle["id"]
    subscription.interval = cycle["interval"]
    subscription.interval_count = cycle["count"]
    if subscription.interval not in ("month", "year"):
        subscription.anchor_day = None
    elif subscription.anchor_day is None:
        subscription.anchor_day = day.day
    return True


async def bill_period(
    session: AsyncSession, subscription: Subscription, period: Period, now: datetime, terms: SubscriptionTerms
) -> SubscriptionBilling:
    """The period's renewal: its billing row and its invoice (a draft, or finalized and sent when the
    grace window is over), with the prorations waiting for it."""
    catalog = await pricing.products(
        session,
        subscription.merchant_id,
        [item.product_id for item in subscription.items],
        subscription.currency,
    )
    lines = [
        pricing.period_line(
            catalog[item.product_id], views.item_terms(item), subscription.prices_include_tax, period
        )
        for item in subscription.items
    ]
    waiting = await repository.waiting_prorations(session, subscription.id)
    if waiting:
        proration_products = {
            line["productId"]
            for row in waiting
            for line in row.lines or []
            if line["productId"] not in catalog
        }
        if proration_products:
            catalog |= await pricing.products(
                session, subscription.merchant_id, proration_products, subscription.currency
            )
        for row in waiting:
            for line in row.lines or []:
                proration = pricing.Proration.of_json(line)
                lines.append(proration.line(catalog[proration.product_id]))
    billed = await billed_lines(session, subscription, lines, now, with_coupon=True)
    _, totals = drafts.billed_totals(billed)
    billing = SubscriptionBilling(
        id=new_id("sbl"),
        merchant_id=subscription.merchant_id,
        subscription_id=subscription.id,
        customer_id=subscription.customer_id,
        kind="renewal",
        period_index=period.index,
        period_start=period.start,
        period_end=period.end,
        currency=subscription.currency,
        amount=totals.total,
        attempts=0,
        status=BillingStatus.NOTHING_DUE.value,
    )
    if billed.coupon is not None and subscription.coupon_periods_left is not None:
        subscription.coupon_periods_left -= 1
    if totals.total == 0:
        await repository.add_billing(session, billing)
        for row in waiting:
            row.status = BillingStatus.NOTHING_DUE.value
        return billing
    invoice = await drafts.create_billed(session, subscription.merchant_id, billed)
    billing.invoice_id = invoice.id
    billing.status = BillingStatus.DRAFT.value
    finalize_at = begins(period.start, subscription.time_zone) + timedelta(
        minutes=terms.renewal_grace_minutes
    )
    billing.next_action_at = finalize_at
    await repository.add_billing(session, billing)
    for row in waiting:
        row.invoice_id = invoice.id
        row.status = BillingStatus.DRAFT.value
    if finalize_at <= now:
        await issue(session, subscription, billing, invoice)
    return billing


async def billed_lines(
    session: AsyncSession,
    subscription: Subscription,
    lines: list[PricedLine],
    now: datetime,
    *,
    with_coupon: bool,
) -> drafts.Billed:
    """An invoice of `lines` for the subscription's customer, dated its present; a period's renewal
    takes the coupon while it still discounts (`with_coupon`), a proration does not."""
    coupon = None
    if with_coupon and subscription.coupon_id is not None and subscription.coupon_periods_left != 0:
        coupon = await repository.coupon(session, subscription.coupon_id)
    return drafts.Billed(
        customer_id=subscription.customer_id,
        currency=subscription.currency,
        prices_include_tax=subscription.prices_include_tax,
        lines=lines,
        issue_date=local_day(now, subscription.time_zone),
        coupon=coupon,
        payment_terms_days=subscription.payment_terms_days,
        series=TEST_SERIES if subscription.test_clock_id else INVOICE_SERIES,
        metadata={"subscriptionId": subscription.id},
    )


async def issue(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, invoice: Invoice
) -> None:
    """Finalize the billing's draft and send it (send_invoice), or charge the saved card."""
    billing.next_action_at = None
    if invoice.status == InvoiceStatus.DRAFT:
        if subscription.collection_method == "send_invoice":
            await lifecycle.send_locked(session, invoice)
        else:
            await finalization.finalize_locked(session, invoice)
    billing.status = (
        BillingStatus.PAID.value if invoice.status == InvoiceStatus.PAID else BillingStatus.OPEN.value
    )
    billing.amount = invoice.total


async def finalize_renewal(session: AsyncSession, merchant_id: str, billing_id: str, now: datetime) -> bool:
    """Finalize a renewal whose grace window has passed; False when there was nothing to do (done by
    another run, or the merchant finalized or deleted the draft meanwhile)."""
    billing = await repository.billing(session, merchant_id, billing_id, lock=True)
    if billing is None or billing.next_action_at is None or billing.next_action_at > now:
        return False
    subscription = await repository.load(session, merchant_id, billing.subscription_id, lock=True)
    assert subscription is not None
    if billing.invoice_id is None:  # the merchant deleted the draft in its grace window
        billing.status = BillingStatus.VOID.value
        billing.next_action_at = None
        return True
    invoice = await invoices.load(session, merchant_id, billing.invoice_id, lock=True)
    await issue(session, subscription, billing, invoice)
    return True


async def end(session: AsyncSession, subscription: Subscription, at: datetime) -> None:
    """Cancel: nothing more is billed; a draft still in its grace window is finalized all the same
    (its period was served)."""
    await _move(session, subscription, S.CANCELED)
    subscription.canceled_at = subscription.canceled_at or at
    subscription.ended_at = at
    subscription.cancel_at_period_end = False
    subscription.pause_at_period_end = False
    subscription.pending_change = None
    subscription.renews_at = None
    await _record(session, subscription, "subscription.canceled")


async def _pause(session: AsyncSession, subscription: Subscription) -> None:
    await _move(session, subscription, S.PAUSED)
    subscription.pause_at_period_end = False
    subscription.current_period_start = None
    subscription.current_period_end = None
    set_next(subscription)
    await _record(session, subscription, "subscription.paused")


async def _move(session: AsyncSession, subscription: Subscription, target: SubscriptionStatus) -> None:
    """The one door of a subscription's status."""
    SUBSCRIPTION_STATES.check(S(subscription.status), target)
    subscription.status = target.value


async def _record(
    session: AsyncSession, subscription: Subscription, event: str, billing: SubscriptionBilling | None = None
) -> None:
    subscription.version += 1
    out = views.subscription_out(subscription)
    data = events.snapshot(out)
    if billing is not None:
        data["latestBilling"] = events.snapshot(views.billing_out(billing, None))
    await events.record(
        session,
        merchant_id=subscription.merchant_id,
        type=event,
        resource="subscription",
        resource_id=subscription.id,
        data=data,
    )
