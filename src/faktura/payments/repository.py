"""Payments SQL: intents, payments, refunds, gateway events, and the locks that order money moves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Exists, Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page, get_owned
from faktura.models import (
    CustomerCredit,
    GatewayEvent,
    Invoice,
    Merchant,
    Order,
    Payment,
    PaymentApplication,
    PaymentIntent,
    Refund,
)
from faktura.orders.states import OrderStatus
from faktura.payments.gateways import all_gateways
from faktura.payments.gateways.base import GatewayKind
from faktura.payments.states import MONEY_IN_FLIGHT, IntentStatus, PaymentStatus

EVENTS: Table = GatewayEvent.__table__  # type: ignore[assignment]
PAYABLE_INVOICE_STATUSES = ("open", "partially_paid")
# A bank transfer waits in requires_action for the payer's bank, which takes days: not abandoned.
_TRANSFER_GATEWAYS = tuple(g.id for g in all_gateways() if g.kind is GatewayKind.BANK_TRANSFER)

# -- intents -------------------------------------------------------------------------------------------


async def get_intent(
    session: AsyncSession, merchant_id: str, intent_id: str, *, lock: bool = False
) -> PaymentIntent | None:
    stmt = (
        select(PaymentIntent)
        .where(PaymentIntent.id == intent_id, PaymentIntent.merchant_id == merchant_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def intent_by_external_id(
    session: AsyncSession, merchant_id: str, invoice_id: str, external_id: str
) -> PaymentIntent | None:
    return await session.scalar(
        select(PaymentIntent).where(
            PaymentIntent.merchant_id == merchant_id,
            PaymentIntent.invoice_id == invoice_id,
            PaymentIntent.external_id == external_id,
        )
    )


async def intents_by_ids(
    session: AsyncSession, merchant_id: str, intent_ids: Iterable[str]
) -> list[PaymentIntent]:
    ids = list(set(intent_ids))
    if not ids:
        return []
    rows = await session.scalars(
        select(PaymentIntent).where(PaymentIntent.merchant_id == merchant_id, PaymentIntent.id.in_(ids))
    )
    return list(rows)


async def intent_by_reference(session: AsyncSession, gateway: str, reference: str) -> PaymentIntent | None:
    return await session.scalar(
        select(PaymentIntent).where(
            PaymentIntent.gateway == gateway, PaymentIntent.gateway_reference == reference
        )
    )


async def move_intent(
    session: AsyncSession, intent: PaymentIntent, expected: IntentStatus, target: IntentStatus, **values: Any
) -> bool:
    """Compare-and-set on status and version; on success the object is read back, by the same statement."""
    moved = await session.scalar(
        update(PaymentIntent)
        .where(
            PaymentIntent.id == intent.id,
            PaymentIntent.status == expected.value,
            PaymentIntent.version == intent.version,
        )
        .values(status=target.value, version=intent.version + 1, updated_at=clock.now(), **values)
        .returning(PaymentIntent)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return moved is not None


async def page_intents(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    status: str | None,
    order_id: str | None,
    invoice_id: str | None,
) -> tuple[list[PaymentIntent], str | None]:
    stmt = select(PaymentIntent).where(PaymentIntent.merchant_id == merchant_id)
    if status is not None:
        stmt = stmt.where(PaymentIntent.status == status)
    if order_id is not None:
        stmt = stmt.where(PaymentIntent.order_id == order_id)
    if invoice_id is not None:
        stmt = stmt.where(PaymentIntent.invoice_id == invoice_id)
    return await fetch_page(session, stmt, PaymentIntent, params)


async def intent_statuses_of_orders(
    session: AsyncSession, merchant_id: str, order_ids: list[str]
) -> list[tuple[str, str]]:
    """(order id, intent status) of every intent of these orders."""
    rows = await session.execute(
        select(PaymentIntent.order_id, PaymentIntent.status).where(
            PaymentIntent.merchant_id == merchant_id, PaymentIntent.order_id.in_(order_ids)
        )
    )
    return [(order_id, status) for order_id, status in rows.all() if order_id is not None]


def _same_target(intent: PaymentIntent) -> Any:
    if intent.order_id is not None:
        return PaymentIntent.order_id == intent.order_id
    return PaymentIntent.invoice_id == intent.invoice_id


async def other_intent_with_money(
    session: AsyncSession, intent: PaymentIntent, *, include_succeeded: bool = True
) -> PaymentIntent | None:
    """Another intent of the same order or invoice that holds or took money (pay-later ones hold none);
    without `include_succeeded`, only one whose money is still in flight."""
    statuses = MONEY_IN_FLIGHT if include_succeeded else MONEY_IN_FLIGHT - {IntentStatus.SUCCEEDED}
    return await session.scalar(
        select(PaymentIntent)
        .where(
            _same_target(intent),
            PaymentIntent.merchant_id == intent.merchant_id,
            PaymentIntent.id != intent.id,
            PaymentIntent.gateway != "invoice",
            PaymentIntent.status.in_([s.value for s in statuses]),
        )
        .order_by(PaymentIntent.id)
        .limit(1)
    )


async def waiting_intents(
    session: AsyncSession,
    merchant_id: str,
    *,
    order_id: str | None = None,
    invoice_id: str | None = None,
    except_id: str | None = None,
) -> list[PaymentIntent]:
    """The intents of an order or invoice that hold no money, oldest first: those waiting for the payer,
    and pay-later choices."""
    waiting = PaymentIntent.status.in_(
        [IntentStatus.REQUIRES_PAYMENT_METHOD.value, IntentStatus.REQUIRES_ACTION.value]
    ) | ((PaymentIntent.gateway == "invoice") & (PaymentIntent.status == IntentStatus.PROCESSING.value))
    stmt = (
        select(PaymentIntent)
        .where(PaymentIntent.merchant_id == merchant_id, waiting)
        .order_by(PaymentIntent.id)
        .execution_options(populate_existing=True)
    )
    if order_id is not None:
        stmt = stmt.where(PaymentIntent.order_id == order_id)
    if invoice_id is not None:
        stmt = stmt.where(PaymentIntent.invoice_id == invoice_id)
    if except_id is not None:
        stmt = stmt.where(PaymentIntent.id != except_id)
    return list((await session.scalars(stmt)).all())


async def off_session_challenge(
    session: AsyncSession, merchant_id: str, invoice_id: str, payment_method_id: str
) -> PaymentIntent | None:
    """The invoice's intent that charged this saved card and waits for the payer's 3-D Secure, if any."""
    return await session.scalar(
        select(PaymentIntent)
        .where(
            PaymentIntent.merchant_id == merchant_id,
            PaymentIntent.invoice_id == invoice_id,
            PaymentIntent.payment_method_id == payment_method_id,
            PaymentIntent.status == IntentStatus.REQUIRES_ACTION.value,
        )
        .order_by(PaymentIntent.id.desc())
        .limit(1)
    )


async def card_saved_paying(session: AsyncSession, merchant_id: str, invoice_id: str) -> str | None:
    """The card saved by a succeeded payment of the invoice (setupFutureUsage), if any."""
    found = await session.scalar(
        select(PaymentIntent.payment_method_id)
        .where(
            PaymentIntent.merchant_id == merchant_id,
            PaymentIntent.invoice_id == invoice_id,
            PaymentIntent.setup_future_usage.is_not(None),
            PaymentIntent.payment_method_id.is_not(None),
            PaymentIntent.status.in_((IntentStatus.SUCCEEDED.value, IntentStatus.REQUIRES_CAPTURE.value)),
        )
        .order_by(PaymentIntent.id.desc())
        .limit(1)
    )
    return str(found) if found is not None else None


async def count_refunded(session: AsyncSession, intent: PaymentIntent, amount: int) -> bool:
    """Add a refund to a succeeded intent's refunded amount (its status stays); compare-and-set on the
    version, and on success the object is read back."""
    result = await session.execute(
        update(PaymentIntent)
        .where(
            PaymentIntent.id == intent.id,
            PaymentIntent.status == IntentStatus.SUCCEEDED.value,
            PaymentIntent.version == intent.version,
        )
        .values(
            amount_refunded=intent.amount_refunded + amount,
            version=intent.version + 1,
            updated_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.refresh(intent)
    return True


async def abandoned_intents(session: AsyncSession, before: datetime, limit: int) -> list[tuple[str, str]]:
    """(merchant id, intent id) of intents waiting for the payer and untouched since `before`, across
    merchants: the rows `service.abandoned` holds true of."""
    rows = await session.execute(
        select(PaymentIntent.merchant_id, PaymentIntent.id)
        .where(
            PaymentIntent.updated_at < before,
            or_(
                PaymentIntent.status == IntentStatus.REQUIRES_PAYMENT_METHOD.value,
                and_(
                    PaymentIntent.status == IntentStatus.REQUIRES_ACTION.value,
                    PaymentIntent.gateway.not_in(_TRANSFER_GATEWAYS),
                ),
            ),
        )
        .order_by(PaymentIntent.updated_at)
        .limit(limit)
    )
    return [(merchant_id, intent_id) for merchant_id, intent_id in rows]


async def processing_test_charges(
    session: AsyncSession, since: datetime, limit: int
) -> list[tuple[str, str]]:
    """(intent id, gateway reference) of test-gateway charges processing since `since` or longer,
    oldest first."""
    rows = await session.execute(
        select(PaymentIntent.id, PaymentIntent.gateway_reference)
        .where(
            PaymentIntent.gateway == "test",
            PaymentIntent.status == IntentStatus.PROCESSING.value,
            PaymentIntent.gateway_reference.is_not(None),
            PaymentIntent.updated_at <= since,
        )
        .order_by(PaymentIntent.updated_at)
        .limit(limit)
    )
    return [(intent_id, str(reference)) for intent_id, reference in rows]


# -- what an intent pays: orders and invoices ----------------------------------------------------------


async def get_order(
    session: AsyncSession, merchant_id: str, order_id: str, *, lock: bool = False
) -> Order | None:
    """The order row without its lines; `lock` takes its row lock (SQLite: the write lock is held already)."""
    stmt = (
        select(Order)
        .where(Order.id == order_id, Order.merchant_id == merchant_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update(of=Order)
    return await session.scalar(stmt)


async def get_invoice(
    session: AsyncSession, merchant_id: str, invoice_id: str, *, lock: bool = False
) -> Invoice | None:
    stmt = (
        select(Invoice)
        .where(Invoice.id == invoice_id, Invoice.merchant_id == merchant_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update(of=Invoice)
    return await session.scalar(stmt)


async def payable_invoice_of_order(session: AsyncSession, merchant_id: str, order_id: str) -> Invoice | None:
    """The order's finalized invoice that still has something due, if any (newest first)."""
    return await session.scalar(
        select(Invoice)
        .where(
            Invoice.merchant_id == merchant_id,
            Invoice.order_id == order_id,
            Invoice.status.in_(PAYABLE_INVOICE_STATUSES),
        )
        .order_by(Invoice.id.desc())
        .limit(1)
    )


async def order_invoiced(session: AsyncSession, merchant_id: str, order_id: str) -> bool:
    """Whether the order has an invoice that is not void."""
    found = await session.scalar(
        select(Invoice.id)
        .where(Invoice.merchant_id == merchant_id, Invoice.order_id == order_id, Invoice.status != "void")
        .limit(1)
    )
    return found is not None


async def payee(session: AsyncSession, merchant_id: str) -> tuple[str, str | None]:
    row = (
        await session.execute(select(Merchant.name, Merchant.bank_account).where(Merchant.id == merchant_id))
    ).one()
    return str(row[0]), row[1]


# -- payments ------------------------------------------------------------------------------------------


async def payment_of_intent(
    session: AsyncSession, merchant_id: str, intent_id: str, *, lock: bool = False
) -> Payment | None:
    stmt = (
        select(Payment)
        .where(Payment.payment_intent_id == intent_id, Payment.merchant_id == merchant_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def move_payment(
    session: AsyncSession, payment: Payment, expected: PaymentStatus, target: PaymentStatus, **values: Any
) -> bool:
    """Compare-and-set on the status and the refunded amount as read; on success the object is read back."""
    result = await session.execute(
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.status == expected.value,
            Payment.amount_refunded == payment.amount_refunded,
        )
        .values(status=target.value, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.refresh(payment)
    return True


async def applied_total(session: AsyncSession, payment_id: str) -> int:
    """What of the payment is applied to invoices now: the sum of its applications (undoings negative)."""
    await session.flush()
    total = await session.scalar(
        select(func.coalesce(func.sum(PaymentApplication.amount), 0)).where(
            PaymentApplication.payment_id == payment_id
        )
    )
    return int(total or 0)


async def credit_left_from_payment(session: AsyncSession, payment: Payment) -> int:
    """Customer credit the payment created (an overpayment) less what refunds of it took back."""
    created = await session.scalar(
        select(func.coalesce(func.sum(CustomerCredit.amount), 0)).where(
            CustomerCredit.merchant_id == payment.merchant_id,
            CustomerCredit.source_type == "payment",
            CustomerCredit.source_id == payment.id,
        )
    )
    refunded = await session.scalar(
        select(func.coalesce(func.sum(CustomerCredit.amount), 0)).where(
            CustomerCredit.merchant_id == payment.merchant_id,
            CustomerCredit.source_type == "refund",
            CustomerCredit.source_id.in_(select(Refund.id).where(Refund.payment_id == payment.id)),
        )
    )
    return int(created or 0) + int(refunded or 0)


async def credit_balance(session: AsyncSession, merchant_id: str, customer_id: str, currency: str) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(CustomerCredit.amount), 0)).where(
            CustomerCredit.merchant_id == merchant_id,
            CustomerCredit.customer_id == customer_id,
            CustomerCredit.currency == currency,
        )
    )
    return int(total or 0)


# -- refunds -------------------------------------------------------------------------------------------


async def get_refund(session: AsyncSession, merchant_id: str, refund_id: str) -> Refund | None:
    return await get_owned(session, Refund, merchant_id, refund_id)


async def refunds_of(session: AsyncSession, intent_ids: Iterable[str]) -> dict[str, list[Refund]]:
    ids = list(set(intent_ids))
    found: dict[str, list[Refund]] = {intent_id: [] for intent_id in ids}
    if not ids:
        return found
    rows = await session.scalars(select(Refund).where(Refund.payment_intent_id.in_(ids)).order_by(Refund.id))
    for refund in rows:
        found[refund.payment_intent_id].append(refund)
    return found


async def page_refunds(
    session: AsyncSession, merchant_id: str, params: PageParams, *, payment_intent_id: str | None
) -> tuple[list[Refund], str | None]:
    stmt = select(Refund).where(Refund.merchant_id == merchant_id)
    if payment_intent_id is not None:
        stmt = stmt.where(Refund.payment_intent_id == payment_intent_id)
    return await fetch_page(session, stmt, Refund, params)


async def get_payment(session: AsyncSession, merchant_id: str, payment_id: str) -> Payment | None:
    return await get_owned(session, Payment, merchant_id, payment_id)


async def page_payments(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    received_from: datetime | None = None,
    received_before: datetime | None = None,
    invoice_id: str | None = None,
    payment_reference: str | None = None,
) -> tuple[list[Payment], str | None]:
    """The merchant's payments, newest first: received in [from, before), for or settling the invoice,
    or made through an intent with the payment reference (KID)."""
    stmt = select(Payment).where(Payment.merchant_id == merchant_id)
    if received_from is not None:
        stmt = stmt.where(Payment.received_at >= received_from)
    if received_before is not None:
        stmt = stmt.where(Payment.received_at < received_before)
    if invoice_id is not None:
        for_invoice = select(PaymentIntent.id).where(
            PaymentIntent.merchant_id == merchant_id, PaymentIntent.invoice_id == invoice_id
        )
        settling = select(PaymentApplication.payment_id).where(
            PaymentApplication.merchant_id == merchant_id, PaymentApplication.invoice_id == invoice_id
        )
        stmt = stmt.where(or_(Payment.payment_intent_id.in_(for_invoice), Payment.id.in_(settling)))
    if payment_reference is not None:
        stmt = stmt.where(
            Payment.payment_intent_id.in_(
                select(PaymentIntent.id).where(
                    PaymentIntent.merchant_id == merchant_id,
                    PaymentIntent.payment_reference == payment_reference,
                )
            )
        )
    return await fetch_page(session, stmt, Payment, params)


async def references_of(
    session: AsyncSession, intent_ids: Iterable[str]
) -> dict[str, tuple[str | None, str | None]]:
    """Intent id -> (its payment reference, the invoice it was made for)."""
    ids = list(set(intent_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(PaymentIntent.id, PaymentIntent.payment_reference, PaymentIntent.invoice_id).where(
            PaymentIntent.id.in_(ids)
        )
    )
    return {intent_id: (reference, invoice_id) for intent_id, reference, invoice_id in rows}


async def first_invoices_settled(session: AsyncSession, payment_ids: Iterable[str]) -> dict[str, str]:
    """Payment id -> the first invoice it was applied to."""
    ids = list(set(payment_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(PaymentApplication.payment_id, PaymentApplication.invoice_id)
        .where(PaymentApplication.payment_id.in_(ids), PaymentApplication.amount > 0)
        .order_by(PaymentApplication.id.desc())
    )
    # Newest first, so the oldest application of each payment is written last.
    return {payment_id: invoice_id for payment_id, invoice_id in rows if payment_id is not None}


async def invoice_numbers(
    session: AsyncSession, invoice_ids: Iterable[str]
) -> dict[str, tuple[str, int | None]]:
    """Invoice id -> (series, number); the number is None for a draft."""
    ids = list(set(invoice_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Invoice.id, Invoice.series, Invoice.number).where(Invoice.id.in_(ids))
    )
    return {invoice_id: (series, number) for invoice_id, series, number in rows}


async def settled_on_invoice(
    session: AsyncSession, merchant_id: str, invoice_id: str
) -> list[tuple[str, int]]:
    """(payment intent id, what its payment still settles of the invoice) for each payment that settles
    some of it, the newest payment first."""
    net = func.sum(PaymentApplication.amount)
    rows = await session.execute(
        select(Payment.payment_intent_id, net)
        .join(Payment, Payment.id == PaymentApplication.payment_id)
        .where(PaymentApplication.merchant_id == merchant_id, PaymentApplication.invoice_id == invoice_id)
        .group_by(Payment.id, Payment.payment_intent_id)
        .having(net > 0)
        .order_by(Payment.id.desc())
    )
    return [(intent_id, int(amount)) for intent_id, amount in rows]


# -- gateway events ------------------------------------------------------------------------------------


async def record_event_once(
    session: AsyncSession, *, gateway: str, event_id: str, kind: str, payload: dict[str, Any]
) -> str | None:
    """Store a callback by the gateway's event id; None when that event was stored before.

    ON CONFLICT DO NOTHING: a duplicate arriving at the same moment waits for the first to commit and
    then inserts nothing, instead of failing the transaction.
    """
    now = clock.now()
    row = {
        "id": new_id("gev"),
        "gateway": gateway,
        "event_id": event_id,
        "merchant_id": None,
        "kind": kind,
        "payload": payload,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(EVENTS).on_conflict_do_nothing(index_elements=["gateway", "event_id"])
    else:
        stmt = sqlite.insert(EVENTS).on_conflict_do_nothing(index_elements=["gateway", "event_id"])
    inserted = await session.scalar(stmt.values(row).returning(EVENTS.c.id))
    return str(inserted) if inserted is not None else None


async def attribute_event(session: AsyncSession, event_row_id: str, merchant_id: str) -> None:
    await session.execute(
        update(GatewayEvent).where(GatewayEvent.id == event_row_id).values(merchant_id=merchant_id)
    )


# Time running out (payments/expiry.py). Money with the gateway: the order waits for its result.
_IN_FLIGHT = (IntentStatus.PROCESSING.value, IntentStatus.REQUIRES_CAPTURE.value)
_WAITING_FOR_PAYER = (IntentStatus.REQUIRES_PAYMENT_METHOD.value, IntentStatus.REQUIRES_ACTION.value)


def _money_in_flight() -> Exists:
    return (
        select(PaymentIntent.id)
        .where(PaymentIntent.order_id == Order.id, PaymentIntent.status.in_(_IN_FLIGHT))
        .exists()
    )


async def expired_open_orders(session: AsyncSession, now: datetime, limit: int) -> list[tuple[str, str]]:
    """Open orders past their expiry with no payment under way."""
    rows = await session.execute(
        select(Order.merchant_id, Order.id)
        .where(
            Order.status == OrderStatus.OPEN.value,
            Order.expires_at < now,
            ~_money_in_flight(),
        )
        .order_by(Order.expires_at)
        .limit(limit)
    )
    return [(merchant_id, order_id) for merchant_id, order_id in rows]


async def payment_under_way(session: AsyncSession, order_id: str) -> bool:
    found = await session.scalar(
        select(PaymentIntent.id)
        .where(PaymentIntent.order_id == order_id, PaymentIntent.status.in_(_IN_FLIGHT))
        .limit(1)
    )
    return found is not None


async def waiting_intents_of_order(session: AsyncSession, merchant_id: str, order_id: str) -> list[str]:
    rows = await session.scalars(
        select(PaymentIntent.id)
        .where(
            PaymentIntent.merchant_id == merchant_id,
            PaymentIntent.order_id == order_id,
            PaymentIntent.status.in_(_WAITING_FOR_PAYER),
        )
        .order_by(PaymentIntent.id)
    )
    return list(rows)
