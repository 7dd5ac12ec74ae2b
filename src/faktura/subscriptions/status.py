"""A subscription's status: its one door (`transition`), its events, and the moves that end or pause it.
Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import events
from faktura.kit import clock
from faktura.models import Subscription, SubscriptionBilling
from faktura.subscriptions import views
from faktura.subscriptions.states import SUBSCRIPTION_STATES, SubscriptionStatus
from faktura.subscriptions.timing import set_next

S = SubscriptionStatus


async def end(session: AsyncSession, subscription: Subscription, at: datetime) -> None:
    """Cancel: nothing more is billed; a draft still in its grace window is issued all the same (its
    period was served)."""
    await transition(session, subscription, S.CANCELED)
    subscription.canceled_at = subscription.canceled_at or at
    subscription.ended_at = at
    subscription.cancel_at_period_end = False
    subscription.pause_at_period_end = False
    subscription.pending_change = None
    subscription.renews_at = None
    subscription.upcoming_notice_at = None
    await record(session, subscription, "subscription.canceled")


async def pause(session: AsyncSession, subscription: Subscription) -> None:
    await transition(session, subscription, S.PAUSED)
    subscription.pause_at_period_end = False
    subscription.current_period_start = None
    subscription.current_period_end = None
    subscription.upcoming_notice_at = None
    set_next(subscription)
    await record(session, subscription, "subscription.paused")


async def transition(session: AsyncSession, subscription: Subscription, target: SubscriptionStatus) -> None:
    """The one door of a subscription's status."""
    SUBSCRIPTION_STATES.check(S(subscription.status), target)
    subscription.status = target.value


async def record(
    session: AsyncSession, subscription: Subscription, event: str, billing: SubscriptionBilling | None = None
) -> None:
    """Record `event` about the subscription as it is now (with the billing that caused it, if one did):
    its version and updated time move on, as with any change the API shows."""
    subscription.version += 1
    subscription.updated_at = clock.now()
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
