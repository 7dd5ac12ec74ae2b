"""A catalog price reaching existing subscriptions: only when the merchant says so, from a date, with
notice. Never commits.

A subscription keeps the price it was sold at. When the merchant moves the subscribers of a product to
another of its prices, each live subscription gets the new price as a scheduled change
(`pendingChange`) at its first period boundary on or after the later of `effectiveFrom` and the notice's
end (today + `noticeDays`, in the subscription's time zone), so no customer pays the new price for a
period that began before they were told. `subscription.updated` tells the merchant's systems, which
tell the customers. A subscription with another change scheduled already is left as it is, and named.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.errors import ValidationFailed
from faktura.kit.periods import Interval
from faktura.models import Subscription
from faktura.subscriptions import repository, service, views
from faktura.subscriptions.periods import Cycle, Schedule, local_day
from faktura.subscriptions.pricing import ItemTerms
from faktura.subscriptions.schemas import PriceChange, PriceChangeOut, RepricedOut, SkippedOut
from faktura.subscriptions.states import SubscriptionStatus
from faktura.subscriptions.status import record
from faktura.subscriptions.timing import boundary, schedule

S = SubscriptionStatus
MAX_LEAD_DAYS = 730


async def move_to_price(
    session: AsyncSession, merchant_id: str, data: PriceChange, settings: Settings
) -> PriceChangeOut:
    if data.effective_from > clock.today() + timedelta(days=MAX_LEAD_DAYS):
        raise ValidationFailed.field(
            "effectiveFrom",
            "effective_from_too_late",
            f"A price change takes effect within {MAX_LEAD_DAYS} days.",
        )
    price = (await repository.prices(session, merchant_id, [data.price_id])).get(data.price_id)
    if price is None:
        raise ValidationFailed.field("priceId", "price_not_found", f"No price '{data.price_id}'.")
    scheduled: list[RepricedOut] = []
    skipped: list[SkippedOut] = []
    for subscription_id in await repository.subscribed_to(
        session, merchant_id, price.product_id, price.currency
    ):
        subscription, at = await service.live(session, merchant_id, subscription_id, settings)
        items = [views.item_terms(item) for item in subscription.items]
        if all(item.price_id == price.id for item in items if item.product_id == price.product_id):
            continue
        if subscription.pending_change:
            skipped.append(SkippedOut(subscription_id=subscription.id, reason="change_scheduled"))
            continue
        told = local_day(at.now, subscription.time_zone) + timedelta(days=data.notice_days)
        effective = _first_boundary_from(subscription, max(data.effective_from, told))
        if effective is None:
            skipped.append(SkippedOut(subscription_id=subscription.id, reason="nothing_to_renew"))
            continue
        repriced = [
            ItemTerms(item.product_id, price.id, price.unit_amount, price.tax_inclusive, item.quantity)
            if item.product_id == price.product_id
            else item
            for item in items
        ]
        subscription.pending_change = {
            "effectiveOn": effective.isoformat(),
            "items": [item.as_json() for item in repriced],
            "cycle": None,
        }
        await record(session, subscription, "subscription.updated")
        scheduled.append(RepricedOut(subscription_id=subscription.id, effective_on=effective))
    return PriceChangeOut(price_id=price.id, scheduled=scheduled, skipped=skipped)


def _first_boundary_from(subscription: Subscription, day: date) -> date | None:
    """The first period boundary of the subscription on or after `day`; None when none will come."""
    if S(subscription.status) in (S.CANCELED, S.INCOMPLETE) or subscription.cancel_at_period_end:
        return None
    following = boundary(subscription)
    if following is None:
        return None  # paused until resumed: moved again when the merchant resumes it
    if day <= following:
        return following
    if S(subscription.status) in (S.ACTIVE, S.PAST_DUE, S.UNPAID):
        periods = schedule(subscription)
    else:  # its paid periods begin at that boundary (a start, a trial's end, a resume)
        periods = Schedule(
            following,
            Cycle(Interval(subscription.interval), subscription.interval_count),
            subscription.anchor_day,
        )
    period = periods.period_of(day)
    return period.start if period.start == day else period.end
