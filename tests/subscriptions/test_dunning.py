"""Collecting renewals: saved cards charged off-session, retries on the merchant's days, reminders for
invoices sent, past due, unpaid or canceled, and recovery when the money comes. On a test clock."""

from __future__ import annotations

from typing import Any

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.subscriptions import clocks
from tests.factories import Api, customer_body, product
from tests.payments.support import stored_card

SUBS = "/api/v1/Subscriptions"
HISTORY = "/api/v1/SubscriptionBillingHistories"


async def _setup(
    api: Api, database: Database, settings: Settings, **subscription_settings: Any
) -> dict[str, Any]:
    response = await api.patch(
        "/api/v1/Merchant",
        json={"invoiceSettings": {"subscriptions": {"renewalGraceMinutes": 0, **subscription_settings}}},
    )
    assert response.status_code == 200, response.text
    clock = await api.created("/api/v1/TestClocks", {"frozenTime": "2027-01-10T10:00:00Z"})
    customer = await api.created("/api/v1/Customers", customer_body(testClockId=clock["id"]))
    monthly = await api.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    plan = await product(api, name="Plan", unitPrice=10000, unitCode="MON")
    return {"clock": clock, "customer": customer, "monthly": monthly, "plan": plan}


async def _advance(api: Api, database: Database, settings: Settings, clock_id: str, to: str) -> None:
    response = await api.post(f"/api/v1/TestClocks/{clock_id}/advance", json={"frozenTime": to})
    assert response.status_code == 200, response.text
    await clocks.run(database, settings, clock_id)
    assert (await api.get(f"/api/v1/TestClocks/{clock_id}")).json()["status"] == "ready"


async def _card_subscription(api: Api, ctx: dict[str, Any], method_id: str) -> dict[str, Any]:
    return await api.created(
        SUBS,
        {
            "customerId": ctx["customer"]["id"],
            "items": [{"productId": ctx["plan"]["id"]}],
            "billingCycleId": ctx["monthly"]["id"],
            "collectionMethod": "charge_automatically",
            "paymentMethodId": method_id,
        },
    )


async def _rows(api: Api, subscription_id: str) -> list[dict[str, Any]]:
    response = await api.get(HISTORY, params={"subscriptionId": subscription_id, "limit": 100})
    return sorted(response.json()["data"], key=lambda row: row["periodStart"])


async def _status(api: Api, subscription_id: str) -> str:
    return str((await api.get(f"{SUBS}/{subscription_id}")).json()["status"])


async def _events(api: Api, subscription_id: str) -> list[str]:
    response = await api.get("/api/v1/Events", params={"limit": 100})
    return [e["type"] for e in reversed(response.json()["data"]) if e["resourceId"] == subscription_id]


async def test_a_saved_card_pays_each_renewal(api: Api, database: Database, settings: Settings) -> None:
    ctx = await _setup(api, database, settings)
    card = await stored_card(database, settings, api, ctx["customer"]["id"], "tok_success")

    sub = await _card_subscription(api, ctx, card)
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-03-11T10:00:00Z")

    assert sub["status"] == "active"
    rows = await _rows(api, sub["id"])
    assert [(row["periodStart"], row["status"], row["attempts"]) for row in rows] == [
        ("2027-01-10", "paid", 1),
        ("2027-02-10", "paid", 1),
        ("2027-03-10", "paid", 1),
    ]
    invoice = (await api.get(f"/api/v1/Invoices/{rows[-1]['invoiceId']}")).json()
    assert (invoice["status"], invoice["amountDue"]) == ("paid", 0)


async def test_a_soft_decline_is_retried_on_the_merchants_days_then_unpaid_until_paid(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api, database, settings)
    good = await stored_card(database, settings, api, ctx["customer"]["id"], "tok_success")
    poor = await stored_card(database, settings, api, ctx["customer"]["id"], "tok_insufficient_funds")
    sub = await _card_subscription(api, ctx, good)
    changed = await api.patch(f"{SUBS}/{sub['id']}", json={"paymentMethodId": poor})
    assert changed.status_code == 200, changed.text

    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-10T10:00:00Z")
    assert await _status(api, sub["id"]) == "past_due"
    renewal = (await _rows(api, sub["id"]))[-1]
    assert (renewal["status"], renewal["attempts"]) == ("past_due", 1)
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-15T12:00:00Z")  # days 3 and 5
    assert (await _rows(api, sub["id"]))[-1]["attempts"] == 3
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-17T12:00:00Z")  # day 7: the last

    renewal = (await _rows(api, sub["id"]))[-1]
    assert (renewal["status"], renewal["attempts"]) == ("failed", 4)
    assert await _status(api, sub["id"]) == "unpaid"
    events = await _events(api, sub["id"])
    assert events[events.index("subscription.renewed", 2) :][:3] == [
        "subscription.renewed",
        "subscription.payment_failed",
        "subscription.past_due",
    ]
    assert events.count("subscription.payment_failed") == 4

    # The customer pays the invoice by bank transfer: the subscription is active again.
    intent = await api.created(
        "/api/v1/PaymentIntents",
        {
            "invoiceId": renewal["invoiceId"],
            "gateway": "manual",
            "amount": renewal["amount"],
            "currency": "NOK",
        },
    )
    received = await api.post(
        f"/api/v1/PaymentIntents/{intent['id']}/mark-received", json={"amount": renewal["amount"]}
    )
    assert received.status_code == 200, received.text
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-17T12:05:00Z")
    assert await _status(api, sub["id"]) == "active"
    assert (await _rows(api, sub["id"]))[-1]["status"] == "paid"


async def test_a_hard_decline_is_not_retried_and_a_new_card_recovers_it(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api, database, settings)
    declined = await stored_card(database, settings, api, ctx["customer"]["id"], "tok_decline")
    good = await stored_card(database, settings, api, ctx["customer"]["id"], "tok_success")
    sub = await _card_subscription(api, ctx, good)
    await api.patch(f"{SUBS}/{sub['id']}", json={"paymentMethodId": declined})

    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-16T10:00:00Z")
    renewal = (await _rows(api, sub["id"]))[-1]
    assert (renewal["status"], renewal["attempts"]) == ("past_due", 1)  # day 3 and 5 passed: no retry

    response = await api.patch(f"{SUBS}/{sub['id']}", json={"paymentMethodId": good})
    assert response.status_code == 200, response.text
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-16T10:01:00Z")

    renewal = (await _rows(api, sub["id"]))[-1]
    assert (renewal["status"], renewal["attempts"]) == ("paid", 2)
    assert await _status(api, sub["id"]) == "active"


async def test_dunning_can_end_in_cancellation(api: Api, database: Database, settings: Settings) -> None:
    ctx = await _setup(api, database, settings, dunningFinalStatus="canceled", dunningRetryDays=[2])
    good = await stored_card(database, settings, api, ctx["customer"]["id"], "tok_success")
    poor = await stored_card(database, settings, api, ctx["customer"]["id"], "tok_expired")
    sub = await _card_subscription(api, ctx, good)
    await api.patch(f"{SUBS}/{sub['id']}", json={"paymentMethodId": poor})

    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-13T10:00:00Z")

    body = (await api.get(f"{SUBS}/{sub['id']}")).json()
    assert body["status"] == "canceled"
    assert (await _rows(api, sub["id"]))[-1]["status"] == "failed"


async def test_a_first_payment_that_fails_leaves_it_incomplete_then_expires(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api, database, settings)
    poor = await stored_card(database, settings, api, ctx["customer"]["id"], "tok_insufficient_funds")

    sub = await _card_subscription(api, ctx, poor)
    assert sub["status"] == "incomplete"
    assert sub["renewsAt"] is None
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-01-11T11:00:00Z")

    assert await _status(api, sub["id"]) == "canceled"
    first = (await _rows(api, sub["id"]))[0]
    assert first["status"] == "void"
    assert (await api.get(f"/api/v1/Invoices/{first['invoiceId']}")).json()["status"] == "void"


async def test_an_invoice_sent_is_reminded_then_past_due_then_unpaid(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api, database, settings)
    sub = await api.created(
        SUBS,
        {
            "customerId": ctx["customer"]["id"],
            "items": [{"productId": ctx["plan"]["id"]}],
            "billingCycleId": ctx["monthly"]["id"],
            "paymentTermsDays": 14,
        },
    )
    invoice_id = (await _rows(api, sub["id"]))[0]["invoiceId"]
    deliveries = f"/api/v1/Invoices/{invoice_id}/deliveries"
    assert len((await api.get(deliveries)).json()["data"]) == 1  # sent

    await _advance(api, database, settings, ctx["clock"]["id"], "2027-01-21T10:00:00Z")  # 3 days before due
    assert len((await api.get(deliveries)).json()["data"]) == 2
    assert await _status(api, sub["id"]) == "active"
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-01-25T10:00:00Z")  # due the 24th
    assert await _status(api, sub["id"]) == "past_due"
    assert (await _rows(api, sub["id"]))[0]["status"] == "past_due"
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-01-31T10:00:00Z")  # days 3, 5, 7

    assert len((await api.get(deliveries)).json()["data"]) == 5  # before, overdue, day 3, day 5
    assert await _status(api, sub["id"]) == "unpaid"
    assert (await _rows(api, sub["id"]))[0]["status"] == "failed"


async def test_a_yearly_renewal_is_announced_a_week_before(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api, database, settings)
    yearly = await api.created("/api/v1/BillingCycles", {"name": "Yearly", "interval": "year"})
    sub = await api.created(
        SUBS,
        {
            "customerId": ctx["customer"]["id"],
            "items": [{"productId": ctx["plan"]["id"]}],
            "billingCycleId": yearly["id"],
            "paymentTermsDays": 365,
        },
    )

    await _advance(api, database, settings, ctx["clock"]["id"], "2028-01-02T10:00:00Z")
    upcoming = (await api.get("/api/v1/Events", params={"type": "invoice.upcoming"})).json()["data"]
    assert upcoming == []
    await _advance(api, database, settings, ctx["clock"]["id"], "2028-01-03T10:00:00Z")

    upcoming = (await api.get("/api/v1/Events", params={"type": "invoice.upcoming"})).json()["data"]
    assert [e["resourceId"] for e in upcoming] == [sub["id"]]
    assert upcoming[0]["data"]["periodStart"] == "2028-01-10"
    assert upcoming[0]["data"]["total"] == 12500
    assert len(await _rows(api, sub["id"])) == 1
