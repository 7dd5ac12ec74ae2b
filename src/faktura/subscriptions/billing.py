"""Renewal: a subscription crosses its period's boundary, and the new period is billed.

`advance` moves a locked subscription over every boundary that has come, one at a time and in order,
so a billing run that was down for a week bills each missed period, oldest first. Each period's renewal
is a billing row unique by (subscription, period start): the lock makes a second run wait and then find
nothing due, and the unique key stops any that slipped past it. A renewal's invoice is a draft for the
merchant's grace window, counted from the period's first moment, and is then finalized and collected
(`dunning.issue`): sent, or charged to the saved card. Never commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import events
from faktura.invoices import drafts
from faktura.kit.ids import new_id
from faktura.merchants import service as merchants
from faktura.merchants.terms import SubscriptionTerms, subscription_terms
from faktura.models import Subscription, SubscriptionBilling
from faktura.orders.pricing import PricedLine
from faktura.subscriptions import dunning, pricing, repository, views
from faktura.subscriptions.periods import Period, local_day
from faktura.subscriptions.states import BillingStatus, SubscriptionStatus
from faktura.subscriptions.status import end, pause, record, transition
from faktura.subscriptions.timing import At, begins, boundary, schedule, set_next

S = SubscriptionStatus
# Cycles this long or longer announce their renewal (`invoice.upcoming`).
NOTICE_MONTHS = 12


async def terms_of(session: AsyncSession, merchant_id: str) -> SubscriptionTerms:
    merchant = await merchants.require(session, merchant_id)
    return subscription_terms(merchant.invoice_settings)


async def advance(session: AsyncSession, subscription: Subscription, at: At) -> int:
    """Cross every boundary of a locked subscription up to `at.now`, in order, and send a renewal's
    notice when its day comes; returns how many steps."""
    steps = 0
    while True:
        notice = subscription.upcoming_notice_at
        renews = subscription.renews_at
        if notice is not None and notice <= at.now and (renews is None or notice < renews):
            await _announce_upcoming(session, subscription, at)
        elif renews is not None and renews <= at.now:
            await _step(session, subscription, at)
        else:
            return steps
        steps += 1


async def _step(session: AsyncSession, subscription: Subscription, at: At) -> None:
    day = boundary(subscription)
    assert day is not None
    status = S(subscription.status)
    if status in (S.ACTIVE, S.PAST_DUE, S.UNPAID, S.TRIALING) and subscription.cancel_at_period_end:
        await end(session, subscription, begins(day, subscription.time_zone))
        return
    if status in (S.ACTIVE, S.PAST_DUE, S.TRIALING) and subscription.pause_at_period_end:
        await pause(session, subscription)
        return
    if status is S.SCHEDULED and subscription.trial_end is not None:
        await transition(session, subscription, S.TRIALING)
        subscription.current_period_start = subscription.start_date
        subscription.current_period_end = subscription.trial_end
        set_next(subscription)
        set_notice(subscription, at)
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
    set_notice(subscription, at)
    if status is S.TRIALING:
        await transition(session, subscription, S.ACTIVE)
        await record(session, subscription, "subscription.trial_ended")
    elif status is S.PAUSED:
        await transition(session, subscription, S.ACTIVE)
        await record(session, subscription, "subscription.resumed")
    billing, followups = await bill_period(session, subscription, period, at)
    if status is S.SCHEDULED:
        # The first period's payment decides a card subscription: until it is paid (charged, or paid on
        # the page that saves the card), it is incomplete.
        unpaid = subscription.collection_method == "charge_automatically" and billing.status not in (
            BillingStatus.PAID,
            BillingStatus.NOTHING_DUE,
        )
        await transition(session, subscription, S.INCOMPLETE if unpaid else S.ACTIVE)
        if unpaid:
            subscription.renews_at = None
    await record(session, subscription, "subscription.renewed", billing)
    for event in followups:
        await record(session, subscription, event, billing)


def set_notice(subscription: Subscription, at: At) -> None:
    """When `invoice.upcoming` is due for the next renewal: its notice days before, for yearly and
    longer cycles, unless that has passed already."""
    subscription.upcoming_notice_at = None
    if subscription.renews_at is None or subscription.interval not in ("month", "year"):
        return
    months = subscription.interval_count * (12 if subscription.interval == "year" else 1)
    if months < NOTICE_MONTHS:
        return
    notice = subscription.renews_at - timedelta(days=at.terms.upcoming_notice_days)
    if notice > at.now:
        subscription.upcoming_notice_at = notice


async def _announce_upcoming(session: AsyncSession, subscription: Subscription, at: At) -> None:
    """`invoice.upcoming`: the next renewal's invoice as it stands now (its lines and total)."""
    subscription.upcoming_notice_at = None
    day = boundary(subscription)
    if day is None or subscription.status in (S.CANCELED, S.PAUSED, S.INCOMPLETE):
        return
    if subscription.cancel_at_period_end or subscription.pause_at_period_end:
        return
    index = 0 if S(subscription.status) is S.TRIALING else subscription.period_index + 1
    period = schedule(subscription).period(index)
    lines = await items_lines(session, subscription, period, schedule(subscription).whole(index))
    billed = await billed_lines(session, subscription, lines, at.now, with_coupon=True)
    priced, totals = drafts.billed_totals(billed)
    await events.record(
        session,
        merchant_id=subscription.merchant_id,
        type="invoice.upcoming",
        resource="invoice",
        resource_id=subscription.id,
        data={
            "subscriptionId": subscription.id,
            "customerId": subscription.customer_id,
            "periodStart": period.start.isoformat(),
            "periodEnd": period.end.isoformat(),
            "renewsAt": subscription.renews_at.isoformat() if subscription.renews_at else None,
            "currency": subscription.currency,
            "lines": [
                {
                    "description": p.description,
                    "netAmount": figures.net_amount,
                    "taxAmount": figures.tax_amount,
                }
                for p, figures in zip(priced, totals.lines, strict=True)
            ],
            "total": totals.total,
        },
    )


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
    session: AsyncSession, subscription: Subscription, period: Period, at: At
) -> tuple[SubscriptionBilling, list[str]]:
    """The period's renewal: its billing row and its invoice (a draft, or issued when the grace window
    is over), with the prorations waiting for it; and the events its collection calls for."""
    lines = await items_lines(session, subscription, period, schedule(subscription).whole(period.index))
    waiting = await repository.waiting_prorations(session, subscription.id)
    if waiting:
        prorations = [pricing.Proration.of_json(line) for row in waiting for line in row.lines or []]
        catalog = await pricing.products(
            session, subscription.merchant_id, {p.product_id for p in prorations}, subscription.currency
        )
        lines += [p.line(catalog[p.product_id]) for p in prorations]
    billed = await billed_lines(session, subscription, lines, at.now, with_coupon=True)
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
        return billing, []
    if not subscription.separate_invoices:
        # On the customer's collective invoice, made at the period's first moment with the other
        # renewals and the collective orders due then (no grace window: the day's invoice is one).
        billing.lines = [pricing.line_json(line) for line in lines]
        billing.status = BillingStatus.DRAFT.value
        billing.action = dunning.Action.ISSUE.value
        billing.next_action_at = begins(period.start, subscription.time_zone)
        # Made by the run's next step, not here, so the renewals due with it are made first.
        await repository.add_billing(session, billing)
        return billing, []
    invoice = await drafts.create_billed(session, subscription.merchant_id, billed)
    billing.invoice_id = invoice.id
    billing.status = BillingStatus.DRAFT.value
    finalize_at = begins(period.start, subscription.time_zone) + timedelta(
        minutes=at.terms.renewal_grace_minutes
    )
    billing.action = dunning.Action.ISSUE.value
    billing.next_action_at = finalize_at
    for row in waiting:
        row.invoice_id = invoice.id
        row.status = BillingStatus.DRAFT.value
    followups: list[str] = []
    if finalize_at <= at.now:
        # Issued before its row is written, so the row is inserted as the issue leaves it, once.
        followups = await dunning.issue(session, subscription, billing, invoice, at)
    await repository.add_billing(session, billing)
    return billing, followups


async def items_lines(
    session: AsyncSession,
    subscription: Subscription,
    period: Period,
    whole: Period,
    items: list[pricing.ItemTerms] | None = None,
) -> list[PricedLine]:
    """The lines of a period for the subscription's items (or `items`): what its renewal bills."""
    bills = items if items is not None else [views.item_terms(item) for item in subscription.items]
    catalog = await pricing.products(
        session, subscription.merchant_id, [i.product_id for i in bills], subscription.currency
    )
    return pricing.period_lines(catalog, bills, subscription.prices_include_tax, period, whole)


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
        series=None,  # the merchant's series, or the test series for a test customer
        metadata={"subscriptionId": subscription.id},
    )
