"""The worker's periodic checks, on SQLite and PostgreSQL: orders and payment intents running out of
time, overdue invoices, and pruning. Other tests share the database, so each test looks only at its
own merchant's rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from faktura.config import Settings
from faktura.invoices.overdue import mark_overdue
from faktura.jobs import JobContext, JobFailed, enqueue
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import Event, Job
from faktura.payments.expiry import expire_intents, expire_orders
from faktura.payments.service import ABANDONED_AFTER
from faktura.worker.maintenance import prune_jobs
from tests.factories import Api, order_body
from tests.invoices.helpers import customer, finalized
from tests.worker.support import register, worker

ORDERS = "/api/v1/Orders"
INTENTS = "/api/v1/PaymentIntents"


async def _intent(api: Api, order: dict[str, Any], gateway: str, **extra: Any) -> dict[str, Any]:
    body = {"orderId": order["id"], "amount": order["total"], "currency": "NOK", "gateway": gateway, **extra}
    return await api.created(INTENTS, body)


async def _get(api: Api, path: str) -> dict[str, Any]:
    response = await api.get(path)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _event_types(database: Database, merchant_id: str, resource_id: str) -> list[str]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(Event.type)
            .where(Event.merchant_id == merchant_id, Event.resource_id == resource_id)
            .order_by(Event.id)
        )
    return list(rows)


async def test_open_orders_past_expiry_expire_unless_a_payment_is_under_way(
    api: Api, database: Database, settings: Settings
) -> None:
    expires = (clock.now() + timedelta(minutes=1)).isoformat()
    unpaid = await api.created(ORDERS, order_body(expiresAt=expires))
    card = await _intent(api, unpaid, "test")
    transfer = await _intent(api, unpaid, "manual")
    paying = await api.created(ORDERS, order_body(expiresAt=expires))
    delayed = await _intent(api, paying, "test", paymentMethodToken="tok_delayed")
    assert delayed["status"] == "processing"
    quote = await api.created(ORDERS, order_body(expiresAt=expires))
    clock.freeze(clock.now() + timedelta(minutes=2))
    try:
        assert await expire_orders(database, settings) >= 1
        assert await expire_orders(database, settings) == 0  # nothing left to do
    finally:
        clock.freeze(None)
    assert (await _get(api, f"{ORDERS}/{unpaid['id']}"))["status"] == "expired"
    for intent in (card, transfer):
        ended = await _get(api, f"{INTENTS}/{intent['id']}")
        assert (ended["status"], ended["cancellationReason"]) == ("canceled", "abandoned")
    assert "order.expired" in await _event_types(database, api.merchant_id, unpaid["id"])
    # The card payment under way decides that order's fate; a draft is the merchant's to keep.
    assert (await _get(api, f"{ORDERS}/{paying['id']}"))["status"] == "open"
    assert (await _get(api, f"{ORDERS}/{quote['id']}"))["status"] == "draft"


async def test_intents_the_payer_abandoned_are_canceled_after_a_day(
    api: Api, database: Database, settings: Settings
) -> None:
    card = await _intent(api, await api.created(ORDERS, order_body()), "test")
    transfer = await _intent(api, await api.created(ORDERS, order_body()), "manual")
    assert (card["status"], transfer["status"]) == ("requires_payment_method", "requires_action")
    start = clock.now()
    try:
        clock.freeze(start + ABANDONED_AFTER - timedelta(minutes=1))
        await expire_intents(database, settings)
        assert (await _get(api, f"{INTENTS}/{card['id']}"))["status"] == "requires_payment_method"
        clock.freeze(start + ABANDONED_AFTER + timedelta(minutes=1))
        assert await expire_intents(database, settings) >= 1
    finally:
        clock.freeze(None)
    ended = await _get(api, f"{INTENTS}/{card['id']}")
    assert (ended["status"], ended["cancellationReason"]) == ("canceled", "abandoned")
    assert "payment_intent.canceled" in await _event_types(database, api.merchant_id, card["id"])
    # A bank transfer waits for the payer's bank, not for a day.
    assert (await _get(api, f"{INTENTS}/{transfer['id']}"))["status"] == "requires_action"


async def test_an_overdue_invoice_gets_one_overdue_event(
    api: Api, database: Database, settings: Settings
) -> None:
    buyer = await customer(api)
    month_ago = (clock.now() - timedelta(days=30)).date().isoformat()
    late = await finalized(api, buyer, issueDate=month_ago)
    on_time = await finalized(api, buyer)
    assert await mark_overdue(database, settings) >= 1
    await mark_overdue(database, settings)
    assert (await _event_types(database, api.merchant_id, late["id"])).count("invoice.overdue") == 1
    assert "invoice.overdue" not in await _event_types(database, api.merchant_id, on_time["id"])
    async with database.transaction(write=False) as session:
        event = await session.scalar(
            select(Event).where(Event.resource_id == late["id"], Event.type == "invoice.overdue")
        )
    assert event is not None
    assert (event.data["id"], event.data["status"], event.data["dueDate"]) == (
        late["id"],
        "open",
        late["dueDate"],
    )


async def test_finished_jobs_are_pruned_after_their_retention(database: Database, settings: Settings) -> None:
    async def succeed(ctx: JobContext) -> None:
        return None

    async def fail(ctx: JobContext) -> None:
        raise JobFailed("broken")

    done_kind, dead_kind = register("prune-done", succeed), register("prune-dead", fail)
    start = clock.now()
    ids: dict[str, str | None] = {}
    try:
        for label, kind, age in (
            ("old done", done_kind, settings.job_retention_days + 1),
            ("recent done", done_kind, settings.job_retention_days - 1),
            ("old dead", dead_kind, settings.job_retention_days + 1),
            ("ancient dead", dead_kind, settings.dead_job_retention_days + 1),
        ):
            clock.freeze(start - timedelta(days=age))
            async with database.transaction() as session:
                ids[label] = await enqueue(session, kind, {})
            await worker(database, settings, kind).run_due()
    finally:
        clock.freeze(None)
    await prune_jobs(database, settings)
    async with database.transaction(write=False) as session:
        left = set(await session.scalars(select(Job.id).where(Job.id.in_(list(ids.values())))))
    assert left == {ids["recent done"], ids["old dead"]}
