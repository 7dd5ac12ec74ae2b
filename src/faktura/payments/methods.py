"""Saved payment methods: a card kept when a payment with setupFutureUsage succeeds, listed per customer,
read, and detached. Never commits.

Only the gateway's reusable token and what the payer may be shown (brand, last four digits, expiry) are
stored; the card number never reaches Faktura's database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.customers import service as customers
from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.models import PaymentIntent, PaymentMethod
from faktura.payments import announce, method_repository
from faktura.payments.errors import PaymentMethodDetached, PaymentMethodNotFound
from faktura.payments.schemas import PaymentMethodOut
from faktura.payments.views import payment_method_out


async def save(session: AsyncSession, intent: PaymentIntent, token: str, card: dict[str, Any]) -> str:
    """Keep the card an intent was paid with for its customer (`card`: the intent's payment method as
    the gateway described it); returns the new method's id."""
    assert intent.customer_id is not None  # setupFutureUsage is refused for an intent without one
    method = PaymentMethod(
        id=new_id("pm"),
        merchant_id=intent.merchant_id,
        customer_id=intent.customer_id,
        gateway=intent.gateway,
        token=token,
        brand=str(card["brand"]),
        last4=str(card["last4"]),
        exp_month=int(card["expMonth"]),
        exp_year=int(card["expYear"]),
        created_at=clock.now(),
    )
    session.add(method)
    await session.flush()
    await announce.method_event(session, method, "payment_method.attached")
    return method.id


async def find(session: AsyncSession, merchant_id: str, method_id: str) -> PaymentMethod:
    """The method row, attached or not; PaymentMethodNotFound for another merchant's or none."""
    method = await method_repository.get(session, merchant_id, method_id)
    if method is None:
        raise PaymentMethodNotFound(method_id)
    return method


async def get(session: AsyncSession, merchant_id: str, method_id: str) -> PaymentMethodOut:
    return payment_method_out(await find(session, merchant_id, method_id))


async def page_of_customer(
    session: AsyncSession, merchant_id: str, customer_id: str, params: PageParams
) -> tuple[list[PaymentMethodOut], str | None]:
    """The customer's attached methods, newest first; CustomerNotFound for a missing or deleted one."""
    await customers.get(session, merchant_id, customer_id)
    rows, cursor = await method_repository.page_of_customer(session, merchant_id, customer_id, params)
    return [payment_method_out(row) for row in rows], cursor


async def detach(session: AsyncSession, merchant_id: str, method_id: str) -> PaymentMethodOut:
    """End a method's use for good; the row stays, as the intents that used it refer to it."""
    method = await find(session, merchant_id, method_id)
    if not await method_repository.detach(session, method, clock.now()):
        raise PaymentMethodDetached(f"Payment method {method_id} is detached already.")
    await announce.method_event(session, method, "payment_method.detached")
    return payment_method_out(method)
