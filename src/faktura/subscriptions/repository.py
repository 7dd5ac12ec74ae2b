"""Subscription, billing and test clock rows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import BillingCycle, Coupon, Customer, Price, Subscription, SubscriptionBilling, TestClock


async def load(
    session: AsyncSession, merchant_id: str, subscription_id: str, *, lock: bool
) -> Subscription | None:
    stmt = select(Subscription).where(
        Subscription.id == subscription_id, Subscription.merchant_id == merchant_id
    )
    if lock:
        stmt = stmt.with_for_update(of=Subscription)
    return (await session.scalars(stmt)).first()


async def add(session: AsyncSession, subscription: Subscription) -> None:
    session.add(subscription)
    await session.flush()


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    customer_id: str | None,
    status: str | None,
) -> tuple[list[Subscription], str | None]:
    stmt = select(Subscription).where(Subscription.merchant_id == merchant_id)
    if customer_id is not None:
        stmt = stmt.where(Subscription.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(Subscription.status == status)
    return await fetch_page(session, stmt, Subscription, params)


async def due(
    session: AsyncSession, now: datetime, limit: int, *, test_clock_id: str | None
) -> list[tuple[str, str]]:
    """(merchant id, id) of subscriptions whose next boundary has come, earliest first; those on a test
    clock only when that clock is asked for, live ones only when none is."""
    stmt = select(Subscription.merchant_id, Subscription.id).where(Subscription.renews_at <= now)
    if test_clock_id is None:
        stmt = stmt.where(Subscription.test_clock_id.is_(None))
    else:
        stmt = stmt.where(Subscription.test_clock_id == test_clock_id)
    rows = await session.execute(stmt.order_by(Subscription.renews_at, Subscription.id).limit(limit))
    return [(str(m), str(i)) for m, i in rows]


async def drafts_due(
    session: AsyncSession, now: datetime, limit: int, *, test_clock_id: str | None
) -> list[tuple[str, str]]:
    """(merchant id, billing id) of renewal drafts whose grace window has passed, earliest first."""
    stmt = (
        select(SubscriptionBilling.merchant_id, SubscriptionBilling.id)
        .join(Subscription, Subscription.id == SubscriptionBilling.subscription_id)
        .where(SubscriptionBilling.next_action_at <= now)
    )
    if test_clock_id is None:
        stmt = stmt.where(Subscription.test_clock_id.is_(None))
    else:
        stmt = stmt.where(Subscription.test_clock_id == test_clock_id)
    rows = await session.execute(
        stmt.order_by(SubscriptionBilling.next_action_at, SubscriptionBilling.id).limit(limit)
    )
    return [(str(m), str(i)) for m, i in rows]


async def next_moment(session: AsyncSession, test_clock_id: str, until: datetime) -> datetime | None:
    """The earliest thing due on a test clock up to `until`: a boundary or a draft's finalization."""
    boundary = await session.scalar(
        select(Subscription.renews_at)
        .where(Subscription.test_clock_id == test_clock_id, Subscription.renews_at <= until)
        .order_by(Subscription.renews_at)
        .limit(1)
    )
    draft = await session.scalar(
        select(SubscriptionBilling.next_action_at)
        .join(Subscription, Subscription.id == SubscriptionBilling.subscription_id)
        .where(Subscription.test_clock_id == test_clock_id, SubscriptionBilling.next_action_at <= until)
        .order_by(SubscriptionBilling.next_action_at)
        .limit(1)
    )
    found = [moment for moment in (boundary, draft) if moment is not None]
    return min(found) if found else None


async def add_billing(session: AsyncSession, billing: SubscriptionBilling) -> None:
    session.add(billing)
    await session.flush()


async def billing(
    session: AsyncSession, merchant_id: str, billing_id: str, *, lock: bool
) -> SubscriptionBilling | None:
    stmt = select(SubscriptionBilling).where(
        SubscriptionBilling.id == billing_id, SubscriptionBilling.merchant_id == merchant_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def renewal_of(
    session: AsyncSession, subscription_id: str, period_start: date
) -> SubscriptionBilling | None:
    return (
        await session.scalars(
            select(SubscriptionBilling).where(
                SubscriptionBilling.subscription_id == subscription_id,
                SubscriptionBilling.kind == "renewal",
                SubscriptionBilling.period_start == period_start,
            )
        )
    ).first()


async def waiting_prorations(session: AsyncSession, subscription_id: str) -> list[SubscriptionBilling]:
    """Prorations billed `next_invoice` that no invoice has taken yet, oldest first."""
    rows = await session.scalars(
        select(SubscriptionBilling)
        .where(
            SubscriptionBilling.subscription_id == subscription_id,
            SubscriptionBilling.kind == "proration",
            SubscriptionBilling.invoice_id.is_(None),
            SubscriptionBilling.status == "draft",
        )
        .order_by(SubscriptionBilling.id)
    )
    return list(rows.all())


async def billings_page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    subscription_id: str | None,
    customer_id: str | None,
) -> tuple[list[SubscriptionBilling], str | None]:
    stmt = select(SubscriptionBilling).where(SubscriptionBilling.merchant_id == merchant_id)
    if subscription_id is not None:
        stmt = stmt.where(SubscriptionBilling.subscription_id == subscription_id)
    if customer_id is not None:
        stmt = stmt.where(SubscriptionBilling.customer_id == customer_id)
    return await fetch_page(session, stmt, SubscriptionBilling, params)


async def billings_of_invoices(
    session: AsyncSession, invoice_ids: Collection[str]
) -> list[SubscriptionBilling]:
    if not invoice_ids:
        return []
    rows = await session.scalars(
        select(SubscriptionBilling).where(SubscriptionBilling.invoice_id.in_(invoice_ids))
    )
    return list(rows.all())


async def cycle(session: AsyncSession, merchant_id: str, cycle_id: str) -> BillingCycle | None:
    return (
        await session.scalars(
            select(BillingCycle).where(BillingCycle.id == cycle_id, BillingCycle.merchant_id == merchant_id)
        )
    ).first()


async def prices(session: AsyncSession, merchant_id: str, price_ids: Collection[str]) -> dict[str, Price]:
    if not price_ids:
        return {}
    rows = await session.scalars(
        select(Price).where(Price.merchant_id == merchant_id, Price.id.in_(price_ids))
    )
    return {price.id: price for price in rows}


async def coupon(session: AsyncSession, coupon_id: str) -> Coupon | None:
    return await session.get(Coupon, coupon_id)


async def customer(session: AsyncSession, merchant_id: str, customer_id: str) -> Customer | None:
    return (
        await session.scalars(
            select(Customer).where(
                Customer.id == customer_id, Customer.merchant_id == merchant_id, Customer.deleted_at.is_(None)
            )
        )
    ).first()


async def clock_time(session: AsyncSession, test_clock_id: str) -> datetime | None:
    """How far a test clock's work has got: its subscriptions' present."""
    return await session.scalar(select(TestClock.reached_time).where(TestClock.id == test_clock_id))


async def set_renews_at(session: AsyncSession, subscription_id: str, renews_at: datetime | None) -> None:
    await session.execute(
        update(Subscription).where(Subscription.id == subscription_id).values(renews_at=renews_at)
    )


async def clocks_page(
    session: AsyncSession, merchant_id: str, params: PageParams
) -> tuple[list[TestClock], str | None]:
    return await fetch_page(
        session, select(TestClock).where(TestClock.merchant_id == merchant_id), TestClock, params
    )


async def set_clock_reached(session: AsyncSession, clock_id: str, moment: datetime) -> None:
    await session.execute(update(TestClock).where(TestClock.id == clock_id).values(reached_time=moment))


async def clock_of(session: AsyncSession, merchant_id: str, clock_id: str) -> TestClock | None:
    return (
        await session.scalars(
            select(TestClock).where(TestClock.id == clock_id, TestClock.merchant_id == merchant_id)
        )
    ).first()
