"""Time running out: open orders past their quote's expiry, and payment intents the payer abandoned.

Orders: an open order whose `expires_at` passed becomes `expired` (its coupon redemption goes back,
since redemptions are counted from holding orders) and its intents still waiting for the payer are
canceled as `abandoned`. An order with a payment under way (processing, or authorized and waiting for
capture) waits for that payment's result instead. Draft orders are left alone: a draft is the
merchant's own quote, which nobody can pay after its expiry anyway (`order_expired`), and which the
merchant may still extend or cancel; the order machine has no draft -> expired move.

Payment intents: one its payer abandoned is canceled as `abandoned`; what counts as abandoned is the
payments domain's rule (`payments.service.abandoned`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.jobs import JobContext, periodic
from faktura.jobs.batches import handle_each
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.orders import service as order_service
from faktura.orders.states import OrderStatus
from faktura.payments import repository
from faktura.payments import service as payment_service
from faktura.payments.states import CancellationReason

log = logging.getLogger("faktura.worker")


@periodic("order.expire", every=timedelta(minutes=1))
async def expire_orders_task(ctx: JobContext) -> None:
    await expire_orders(ctx.database, ctx.settings)


@periodic("payment_intent.expire", every=timedelta(minutes=5))
async def expire_intents_task(ctx: JobContext) -> None:
    await expire_intents(ctx.database, ctx.settings)


async def expire_orders(database: Database, settings: Settings) -> int:
    """Expire the open orders past their expiry; returns how many."""
    now = clock.now()

    async def find(session: AsyncSession, limit: int) -> list[tuple[str, str]]:
        return await repository.expired_open_orders(session, now, limit)

    async def expire(session: AsyncSession, merchant_id: str, order_id: str) -> bool:
        return await expire_order(session, merchant_id, order_id, settings)

    expired = await handle_each(database, settings, "order", find, expire)
    if expired:
        log.info("expired %d order(s)", expired)
    return expired


async def expire_order(session: AsyncSession, merchant_id: str, order_id: str, settings: Settings) -> bool:
    """Under the order's lock (payments take it first too), so no payment starts meanwhile."""
    order = await repository.get_order(session, merchant_id, order_id, lock=True)
    now = clock.now()
    if (
        order is None
        or order.status != OrderStatus.OPEN
        or order.expires_at is None
        or order.expires_at >= now
    ):
        return False
    if await repository.payment_under_way(session, order_id):
        return False
    if not await order_service.transition(session, order, OrderStatus.EXPIRED):
        return False
    for intent_id in await repository.waiting_intents_of_order(session, merchant_id, order_id):
        await payment_service.cancel(
            session, merchant_id, intent_id, CancellationReason.ABANDONED, settings=settings
        )
    return True


async def expire_intents(database: Database, settings: Settings) -> int:
    """Cancel the intents abandoned by their payer; returns how many."""

    async def find(session: AsyncSession, limit: int) -> list[tuple[str, str]]:
        return await payment_service.abandoned_intents(session, limit)

    async def abandon(session: AsyncSession, merchant_id: str, intent_id: str) -> bool:
        return await payment_service.abandon(session, merchant_id, intent_id, settings=settings)

    canceled = await handle_each(database, settings, "payment intent", find, abandon)
    if canceled:
        log.info("canceled %d abandoned payment intent(s)", canceled)
    return canceled
