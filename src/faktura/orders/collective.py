"""Collective orders (seed 004's `separateInvoices: false`): when one is due to be invoiced.

Such an order waits for the start of its interval's next billing day in the merchant's time zone
(`invoiceSettings.subscriptions.timeZone`, Europe/Oslo by default): daily, the next day; monthly, the
1st of the next month; twice monthly, the next 1st or 16th. The invoices domain collects it then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.merchants import service as merchants
from faktura.merchants.terms import subscription_terms
from faktura.orders.states import OrderStatus


class InvoiceInterval(StrEnum):
    DAILY = "daily"
    MONTHLY = "monthly"
    TWICE_MONTHLY = "twice_monthly"


# Open or not yet sent: nothing paid is held on it (a paid order goes on an invoice of its own, with its
# money), and it has not ended (cancelled, expired, completed).
COLLECTABLE = frozenset({OrderStatus.DRAFT, OrderStatus.OPEN})


def next_billing_day(interval: InvoiceInterval, day: date) -> date:
    """The first billing day of `interval` after `day`."""
    if interval is InvoiceInterval.DAILY:
        return day + timedelta(days=1)
    if interval is InvoiceInterval.TWICE_MONTHLY and day.day < 16:
        return day.replace(day=16)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def collect_on(interval: InvoiceInterval, placed: datetime, zone: str) -> datetime:
    """The moment (UTC) an order placed at `placed` is due: its next billing day's start in `zone`."""
    local = ZoneInfo(zone)
    day = next_billing_day(interval, placed.astimezone(local).date())
    return datetime.combine(day, time(), tzinfo=local).astimezone(UTC)


async def merchant_collect_on(
    session: AsyncSession, merchant_id: str, interval: InvoiceInterval, placed: datetime
) -> datetime:
    """`collect_on` in the merchant's own time zone."""
    merchant = await merchants.require(session, merchant_id)
    return collect_on(interval, placed, subscription_terms(merchant.invoice_settings).time_zone)
