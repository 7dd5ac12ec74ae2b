"""Subscription, billing and test clock rows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.collective import Group
from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import (
    BillingCycle,
    Coupon,
    Customer,
    Invoice,
    InvoiceDelivery,
    Price,
    Subscription,
    SubscriptionBilling,
    SubscriptionItem,
    TestClock,
)


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
    session: AsyncSession, now: datetime, limit: int, *, test_clock_id: str | None, after: str | None = None
) -> list[tuple[str, str]]:
    """(merchant id, id) of subscriptions whose next boundary has come, earliest first; those on a test
    clock only when that clock is asked for, live ones only when none is."""
    stmt = select(Subscription.merchant_id, Subscription.id).where(
        or_(Subscription.renews_at <= now, Subscription.upcoming_notice_at <= now)
    )
    if test_clock_id is None:
        stmt = stmt.where(Subscription.test_clock_id.is_(None))
    else:
        stmt = stmt.where(Subscription.test_clock_id == test_clock_id)
    if after is not None:
        stmt = stmt.where(Subscription.id > after)
    rows = await session.execute(stmt.order_by(Subscription.id).limit(limit))
    return [(str(m), str(i)) for m, i in rows]


async def actions_due(
    session: AsyncSession, now: datetime, limit: int, *, test_clock_id: str | None, after: str | None = None
) -> list[tuple[str, str]]:
    """(merchant id, billing id) of billings whose next action's time has come, earliest first."""
    stmt = (
        select(SubscriptionBilling.merchant_id, SubscriptionBilling.id)
        .join(Subscription, Subscription.id == SubscriptionBilling.subscription_id)
        .where(SubscriptionBilling.next_action_at <= now)
    )
    if test_clock_id is None:
        stmt = stmt.where(Subscription.test_clock_id.is_(None))
    else:
        stmt = stmt.where(Subscription.test_clock_id == test_clock_id)
    if after is not None:
        stmt = stmt.where(SubscriptionBilling.id > after)
    rows = await session.execute(stmt.order_by(SubscriptionBilling.id).limit(limit))
    return [(str(m), str(i)) for m, i in rows]


async def next_moment(session: AsyncSession, test_clock_id: str, until: datetime) -> datetime | None:
    """The earliest thing due on a test clock up to `until`: a boundary, a renewal's notice, or a
    billing's next action."""
    boundary = await session.scalar(
        select(Subscription.renews_at)
        .where(Subscription.test_clock_id == test_clock_id, Subscription.renews_at <= until)
        .order_by(Subscription.renews_at)
        .limit(1)
    )
    notice = await session.scalar(
        select(Subscription.upcoming_notice_at)
        .where(Subscription.test_clock_id == test_clock_id, Subscription.upcoming_notice_at <= until)
        .order_by(Subscription.upcoming_notice_at)
        .limit(1)
    )
    draft = await session.scalar(
        select(SubscriptionBilling.next_action_at)
        .join(Subscription, Subscription.id == SubscriptionBilling.subscription_id)
        .where(Subscription.test_clock_id == test_clock_id, SubscriptionBilling.next_action_at <= until)
        .order_by(SubscriptionBilling.next_action_at)
        .limit(1)
    )
    found = [moment for moment in (boundary, notice, draft) if moment is not None]
    return min(found) if found else None


async def add_billing(session: AsyncSession, billing: SubscriptionBilling) -> None:
    session.add(billing)
    await session.flush()


async def billing_locked(
    session: AsyncSession, merchant_id: str, billing_id: str
) -> tuple[SubscriptionBilling, Subscription] | None:
    """The billing and its subscription, both locked: the subscription first, as every renewal and
    change locks it, then the billing, read afresh."""
    subscription_id = await session.scalar(
        select(SubscriptionBilling.subscription_id).where(
            SubscriptionBilling.id == billing_id, SubscriptionBilling.merchant_id == merchant_id
        )
    )
    if subscription_id is None:
        return None
    subscription = await load(session, merchant_id, subscription_id, lock=True)
    row = (
        await session.scalars(
            select(SubscriptionBilling)
            .where(SubscriptionBilling.id == billing_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if subscription is None or row is None:
        return None
    return row, subscription


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


async def period_billings(
    session: AsyncSession, subscription_id: str, start: date, end: date
) -> list[SubscriptionBilling]:
    """The billings of the subscription's period from `start` to `end` that bill it (its renewal and
    its changes' prorations, not their credits), newest first."""
    rows = await session.scalars(
        select(SubscriptionBilling)
        .where(
            SubscriptionBilling.subscription_id == subscription_id,
            SubscriptionBilling.period_start >= start,
            SubscriptionBilling.period_end == end,
            SubscriptionBilling.credit_note_id.is_(None),
        )
        .order_by(SubscriptionBilling.id.desc())
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


async def clocks_and_zones(
    session: AsyncSession, subscription_ids: set[str]
) -> dict[str, tuple[str | None, str]]:
    """Each subscription's (test clock id, time zone): where its present comes from, and its dates."""
    if not subscription_ids:
        return {}
    rows = await session.execute(
        select(Subscription.id, Subscription.test_clock_id, Subscription.time_zone).where(
            Subscription.id.in_(subscription_ids)
        )
    )
    return {str(i): (c, str(zone)) for i, c, zone in rows}


async def pending_deliveries(session: AsyncSession, test_clock_id: str) -> list[str]:
    """Ids of the deliveries still to run of the invoices of the clock's customers, oldest first."""
    rows = await session.scalars(
        select(InvoiceDelivery.id)
        .join(Invoice, Invoice.id == InvoiceDelivery.invoice_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Customer.test_clock_id == test_clock_id, InvoiceDelivery.status == "pending")
        .order_by(InvoiceDelivery.id)
    )
    return [str(i) for i in rows]


async def clock_time(session: AsyncSession, test_clock_id: str) -> datetime | None:
    """How far a test clock's work has got: its subscriptions' present."""
    return await session.scalar(select(TestClock.reached_time).where(TestClock.id == test_clock_id))


async def clocks_page(
    session: AsyncSession, merchant_id: str, params: PageParams
) -> tuple[list[TestClock], str | None]:
    return await fetch_page(
        session, select(TestClock).where(TestClock.merchant_id == merchant_id), TestClock, params
    )


async def set_clock_reached(session: AsyncSession, clock_id: str, moment: datetime) -> None:
    await session.execute(update(TestClock).where(TestClock.id == clock_id).values(reached_time=moment))


_IN_DUNNING = ("open", "past_due", "failed")


async def settled_meanwhile(
    session: AsyncSession, limit: int, *, test_clock_id: str | None, after: str | None = None
) -> list[tuple[str, str]]:
    """(merchant id, billing id) of billings still chasing an invoice that is paid or voided now."""
    stmt = (
        select(SubscriptionBilling.merchant_id, SubscriptionBilling.id)
        .join(Invoice, Invoice.id == SubscriptionBilling.invoice_id)
        .join(Subscription, Subscription.id == SubscriptionBilling.subscription_id)
        .where(SubscriptionBilling.status.in_(_IN_DUNNING), Invoice.status.in_(("paid", "void")))
    )
    if test_clock_id is None:
        stmt = stmt.where(Subscription.test_clock_id.is_(None))
    else:
        stmt = stmt.where(Subscription.test_clock_id == test_clock_id)
    if after is not None:
        stmt = stmt.where(SubscriptionBilling.id > after)
    rows = await session.execute(stmt.order_by(SubscriptionBilling.id).limit(limit))
    return [(str(m), str(i)) for m, i in rows]


async def owed_in_dunning(session: AsyncSession, subscription_id: str) -> bool:
    """Whether an invoice of the subscription is still owed after its collection failed."""
    found = await session.scalar(
        select(SubscriptionBilling.id)
        .join(Invoice, Invoice.id == SubscriptionBilling.invoice_id)
        .where(
            SubscriptionBilling.subscription_id == subscription_id,
            SubscriptionBilling.status.in_(("past_due", "failed")),
            Invoice.status.in_(("open", "partially_paid")),
        )
        .limit(1)
    )
    return found is not None


async def clock_of_billing(session: AsyncSession, billing_id: str) -> str | None:
    """The test clock of the billing's subscription, if it has one."""
    return await session.scalar(
        select(Subscription.test_clock_id)
        .join(SubscriptionBilling, SubscriptionBilling.subscription_id == Subscription.id)
        .where(SubscriptionBilling.id == billing_id)
    )


async def chasing(session: AsyncSession, subscription_id: str) -> list[SubscriptionBilling]:
    """The subscription's billings whose collection failed and is still being chased (or expiring)."""
    rows = await session.scalars(
        select(SubscriptionBilling)
        .where(
            SubscriptionBilling.subscription_id == subscription_id,
            SubscriptionBilling.status == "past_due",
            SubscriptionBilling.action.in_(("charge", "give_up", "expire")),
        )
        .with_for_update()
    )
    return list(rows.all())


async def subscribed_to(session: AsyncSession, merchant_id: str, product_id: str, currency: str) -> list[str]:
    """The ids of the merchant's subscriptions not canceled that bill the product, in the currency."""
    rows = await session.scalars(
        select(Subscription.id)
        .join(SubscriptionItem, SubscriptionItem.subscription_id == Subscription.id)
        .where(
            Subscription.merchant_id == merchant_id,
            Subscription.currency == currency,
            Subscription.status != "canceled",
            SubscriptionItem.product_id == product_id,
        )
        .distinct()
        .order_by(Subscription.id)
    )
    return list(rows.all())


async def collective_renewals_due(
    session: AsyncSession, group: Group, now: datetime
) -> list[SubscriptionBilling]:
    """The group's renewals waiting for a collective invoice, due by `now`, locked, oldest first."""
    terms = (
        Subscription.payment_terms_days.is_(None)
        if group.payment_terms_days is None
        else Subscription.payment_terms_days == group.payment_terms_days
    )
    rows = await session.scalars(
        select(SubscriptionBilling)
        .join(Subscription, Subscription.id == SubscriptionBilling.subscription_id)
        .where(
            SubscriptionBilling.merchant_id == group.merchant_id,
            SubscriptionBilling.customer_id == group.customer_id,
            SubscriptionBilling.kind == "renewal",
            SubscriptionBilling.invoice_id.is_(None),
            SubscriptionBilling.lines.is_not(None),
            SubscriptionBilling.action == "issue",
            SubscriptionBilling.next_action_at <= now,
            Subscription.separate_invoices.is_(False),
            Subscription.currency == group.currency,
            Subscription.prices_include_tax.is_(group.prices_include_tax),
            terms,
        )
        .order_by(SubscriptionBilling.id)
        .with_for_update(of=SubscriptionBilling)
    )
    return list(rows.all())


async def renewals_on_invoice(session: AsyncSession, invoice_id: str) -> list[SubscriptionBilling]:
    """The renewals a (collective) invoice bills, locked."""
    rows = await session.scalars(
        select(SubscriptionBilling)
        .where(SubscriptionBilling.invoice_id == invoice_id, SubscriptionBilling.kind == "renewal")
        .order_by(SubscriptionBilling.id)
        .with_for_update()
    )
    return list(rows.all())
