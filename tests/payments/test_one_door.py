"""One door to each status of the payments domain: `transitions.transition_intent` is the only code that
moves an intent, `transitions.transition_payment` the only code that moves a payment. Each moves only
by its table, only from the status the row was read in, and announces the status entered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.db import Database
from faktura.models import Event, Payment, PaymentIntent
from faktura.payments import repository
from faktura.payments.errors import (
    InvalidPaymentIntentTransition,
    InvalidPaymentTransition,
    PaymentChanged,
    PaymentIntentChanged,
)
from faktura.payments.states import IntentStatus, PaymentStatus
from faktura.payments.transitions import transition_intent, transition_payment
from tests.factories import Api
from tests.one_door import Resource, writes, writes_in_package
from tests.payments.support import ORDER_TOTAL, new_intent, paid_intent, payment_of

INTENTS = Resource(noun="intent", tables=frozenset({"PaymentIntent"}), raw_updates=frozenset({"move_intent"}))
PAYMENTS = Resource(noun="payment", tables=frozenset({"Payment"}), raw_updates=frozenset({"move_payment"}))
# Writing behind the ORM's back, as another request's transaction would have.
_INTENT_ROWS: Table = PaymentIntent.__table__  # type: ignore[assignment]
_PAYMENT_ROWS: Table = Payment.__table__  # type: ignore[assignment]


def test_only_the_door_moves_an_intent(repo_root: Path) -> None:
    found = writes_in_package(INTENTS, repo_root / "src" / "faktura")
    assert found == {
        ("payments/transitions.py", "transition_intent", "calls move_intent"),
        ("payments/repository.py", "move_intent", "updates the status column"),
    }


def test_only_the_door_moves_a_payment(repo_root: Path) -> None:
    found = writes_in_package(PAYMENTS, repo_root / "src" / "faktura")
    assert found == {
        ("payments/transitions.py", "transition_payment", "calls move_payment"),
        ("payments/repository.py", "move_payment", "updates the status column"),
    }


def test_the_scans_see_each_way_of_writing_the_status() -> None:
    source = """
async def refund(payment, locked_intent, session):
    payment.status = "refunded"
    locked_intent.status = "succeeded"
    await repository.move_intent(session, locked_intent, "processing", "succeeded")
    await repository.move_payment(session, payment, "succeeded", "refunded")
    await session.execute(update(PaymentIntent).where(x).values(status="canceled"))
    await session.execute(update(Payment).where(x).values(status="refunded"))
"""
    assert writes(INTENTS, source) == [
        ("assigns .status", "refund"),
        ("calls move_intent", "refund"),
        ("updates the status column", "refund"),
    ]
    assert writes(PAYMENTS, source) == [
        ("assigns .status", "refund"),
        ("calls move_payment", "refund"),
        ("updates the status column", "refund"),
    ]


async def _events(database: Database, resource_id: str) -> list[tuple[str, dict[str, Any]]]:
    async with database.transaction(write=False) as session:
        rows = await session.execute(
            select(Event.type, Event.data).where(Event.resource_id == resource_id).order_by(Event.id)
        )
    return [(event_type, data) for event_type, data in rows]


async def _intent(session: AsyncSession, api: Api, intent_id: str) -> PaymentIntent:
    intent = await repository.get_intent(session, api.merchant_id, intent_id)
    assert intent is not None
    return intent


async def _payment(session: AsyncSession, api: Api, intent_id: str) -> Payment:
    payment = await repository.payment_of_intent(session, api.merchant_id, intent_id)
    assert payment is not None
    return payment


async def test_the_intent_door_refuses_a_move_the_table_does_not_hold(api: Api, database: Database) -> None:
    paid = await paid_intent(api)
    for target in (IntentStatus.SUCCEEDED, IntentStatus.CANCELED, IntentStatus.REQUIRES_PAYMENT_METHOD):
        with pytest.raises(InvalidPaymentIntentTransition) as refused:
            async with database.transaction() as session:
                await transition_intent(session, await _intent(session, api, paid["id"]), target)
        assert refused.value.code == "invalid_payment_intent_transition"
        assert str(refused.value) == f"A payment intent in status 'succeeded' cannot become '{target.value}'."
    assert (await api.get(f"/api/v1/PaymentIntents/{paid['id']}")).json()["status"] == "succeeded"
    assert [t for t, _ in await _events(database, paid["id"])] == [
        "payment_intent.created",
        "payment_intent.succeeded",
    ]


async def test_the_intent_door_moves_from_the_status_read_and_announces_the_one_entered(
    api: Api, database: Database
) -> None:
    created = await new_intent(api)
    async with database.transaction() as session:
        intent = await _intent(session, api, created["id"])
        await transition_intent(session, intent, IntentStatus.PROCESSING, gateway_reference="ch_door")
        assert (intent.status, intent.gateway_reference) == ("processing", "ch_door")
    async with database.transaction() as session:
        intent = await _intent(session, api, created["id"])
        # Another transaction cancels the intent after this one read it as processing.
        await session.execute(
            update(_INTENT_ROWS)
            .where(_INTENT_ROWS.c.id == intent.id)
            .values(status="canceled", version=intent.version + 1)
        )
        with pytest.raises(PaymentIntentChanged) as refused:
            await transition_intent(session, intent, IntentStatus.SUCCEEDED)
        assert refused.value.code == "payment_intent_changed"
    assert (await api.get(f"/api/v1/PaymentIntents/{created['id']}")).json()["status"] == "canceled"
    events = await _events(database, created["id"])
    assert [t for t, _ in events] == ["payment_intent.created", "payment_intent.processing"]
    assert events[1][1]["status"] == "processing"


async def test_the_payment_door_refuses_a_move_the_table_does_not_hold(api: Api, database: Database) -> None:
    paid = await paid_intent(api)
    with pytest.raises(InvalidPaymentTransition) as refused:
        async with database.transaction() as session:
            await transition_payment(
                session, await _payment(session, api, paid["id"]), PaymentStatus.SUCCEEDED
            )
    assert refused.value.code == "invalid_payment_transition"
    assert str(refused.value) == "A payment in status 'succeeded' cannot become 'succeeded'."
    await api.created("/api/v1/Refunds", {"paymentIntentId": paid["id"]})
    for target in (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
        with pytest.raises(InvalidPaymentTransition) as refused:
            async with database.transaction() as session:
                await transition_payment(session, await _payment(session, api, paid["id"]), target)
        assert str(refused.value) == f"A payment in status 'refunded' cannot become '{target.value}'."
    payment = await payment_of(database, paid["id"])
    assert (payment.status, payment.amount_refunded) == ("refunded", ORDER_TOTAL)
    assert [t for t, _ in await _events(database, payment.id)] == ["payment.succeeded", "payment.refunded"]


async def test_the_payment_door_moves_from_what_was_read_and_announces_the_refund(
    api: Api, database: Database
) -> None:
    paid = await paid_intent(api)
    async with database.transaction() as session:
        payment = await _payment(session, api, paid["id"])
        await transition_payment(session, payment, PaymentStatus.PARTIALLY_REFUNDED, amount_refunded=1000)
        assert (payment.status, payment.amount_refunded) == ("partially_refunded", 1000)
    async with database.transaction() as session:
        payment = await _payment(session, api, paid["id"])
        # Another refund of the payment lands after this one read it: same status, more refunded.
        await session.execute(
            update(_PAYMENT_ROWS).where(_PAYMENT_ROWS.c.id == payment.id).values(amount_refunded=3000)
        )
        with pytest.raises(PaymentChanged) as refused:
            await transition_payment(session, payment, PaymentStatus.PARTIALLY_REFUNDED, amount_refunded=2000)
        assert refused.value.code == "payment_changed"
    stored = await payment_of(database, paid["id"])
    assert (stored.status, stored.amount_refunded) == ("partially_refunded", 3000)
    events = await _events(database, stored.id)
    assert [t for t, _ in events] == ["payment.succeeded", "payment.refunded"]
    assert (events[1][1]["status"], events[1][1]["amountRefunded"]) == ("partially_refunded", 1000)
