"""Subscriptions over the native API, on a test clock: periods, renewals, changes, pauses, cancels."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.subscriptions import clocks, repository, runs
from tests.asserts import error_code
from tests.factories import Api, customer_body, product

SUBS = "/api/v1/Subscriptions"
HISTORY = "/api/v1/SubscriptionBillingHistories"


async def _setup(api: Api, *, frozen: str = "2027-01-31T10:00:00Z", grace: int = 0) -> dict[str, Any]:
    response = await api.patch(
        "/api/v1/Merchant", json={"invoiceSettings": {"subscriptions": {"renewalGraceMinutes": grace}}}
    )
    assert response.status_code == 200, response.text
    clock = await api.created("/api/v1/TestClocks", {"frozenTime": frozen, "name": "monthly"})
    customer = await api.created("/api/v1/Customers", customer_body(testClockId=clock["id"]))
    monthly = await api.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    basic = await product(api, name="Basic", unitPrice=10000, unitCode="MON")
    pro = await product(api, name="Pro", unitPrice=31000, unitCode="MON")
    return {"clock": clock, "customer": customer, "monthly": monthly, "basic": basic, "pro": pro}


async def _advance(
    api: Api, database: Database, settings: Settings, clock_id: str, to: str
) -> dict[str, Any]:
    response = await api.post(f"/api/v1/TestClocks/{clock_id}/advance", json={"frozenTime": to})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "advancing"
    await clocks.run(database, settings, clock_id)
    ready = (await api.get(f"/api/v1/TestClocks/{clock_id}")).json()
    assert ready["status"] == "ready", ready
    return dict(ready)


async def _history(api: Api, subscription_id: str) -> list[dict[str, Any]]:
    response = await api.get(HISTORY, params={"subscriptionId": subscription_id, "limit": 100})
    assert response.status_code == 200, response.text
    return sorted(response.json()["data"], key=lambda row: (row["periodStart"], row["kind"]))


async def _subscribe(api: Api, ctx: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "customerId": ctx["customer"]["id"],
        "items": [{"productId": ctx["basic"]["id"], "quantity": 1}],
        "billingCycleId": ctx["monthly"]["id"],
        "billingAnchor": 31,
        "collectionMethod": "send_invoice",
        "paymentTermsDays": 365,  # dunning is tested on its own (test_dunning.py)
        **extra,
    }
    return await api.created(SUBS, body)


async def test_a_monthly_subscription_on_the_31st_bills_the_months_last_day_and_never_drifts(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx)

    assert sub["status"] == "active"
    assert (sub["currentPeriodStart"], sub["currentPeriodEnd"]) == ("2027-01-31", "2027-02-28")
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-06-01T10:00:00Z")

    starts = [(row["periodStart"], row["periodEnd"]) for row in await _history(api, sub["id"])]
    assert starts == [
        ("2027-01-31", "2027-02-28"),
        ("2027-02-28", "2027-03-31"),
        ("2027-03-31", "2027-04-30"),
        ("2027-04-30", "2027-05-31"),
        ("2027-05-31", "2027-06-30"),
    ]
    rows = await _history(api, sub["id"])
    assert all(row["status"] == "open" and row["amount"] == 12500 for row in rows)
    invoice = (await api.get(f"/api/v1/Invoices/{rows[1]['invoiceId']}")).json()
    assert invoice["series"] == "TEST"  # a test customer's invoices never take the merchant's numbers
    assert invoice["issueDate"] == "2027-02-28"
    assert invoice["items"][0]["description"] == "Basic, 2027-02-28 - 2027-03-30"
    current = (await api.get(f"{SUBS}/{sub['id']}")).json()
    assert (current["currentPeriodStart"], current["currentPeriodEnd"]) == ("2027-05-31", "2027-06-30")


async def test_billing_runs_at_once_and_again_make_each_period_once(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx)
    moment = datetime(2027, 5, 1, 10, tzinfo=UTC)
    async with database.transaction() as session:
        await repository.set_clock_reached(session, ctx["clock"]["id"], moment)

    await asyncio.gather(
        *(runs.bill_due(database, settings, moment, test_clock_id=ctx["clock"]["id"]) for _ in range(4))
    )
    await runs.bill_due(database, settings, moment, test_clock_id=ctx["clock"]["id"])

    rows = await _history(api, sub["id"])
    assert [row["periodStart"] for row in rows] == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]
    assert len({row["invoiceId"] for row in rows}) == 4


async def test_the_draft_waits_out_the_grace_window_then_is_issued(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api, frozen="2027-01-30T10:00:00Z", grace=120)
    sub = await _subscribe(api, ctx, startDate="2027-01-30")
    first = (await _history(api, sub["id"]))[0]
    assert first["status"] == "open"  # the grace window of a period begun yesterday (Oslo) is over

    await _advance(api, database, settings, ctx["clock"]["id"], "2027-01-31T00:30:00Z")  # 01:30 in Oslo
    second = (await _history(api, sub["id"]))[-1]
    assert (second["periodStart"], second["status"]) == ("2027-01-31", "draft")
    assert (await api.get(f"/api/v1/Invoices/{second['invoiceId']}")).json()["status"] == "draft"

    await _advance(api, database, settings, ctx["clock"]["id"], "2027-01-31T01:30:00Z")
    second = (await _history(api, sub["id"]))[-1]
    assert second["status"] == "open"
    assert (await api.get(f"/api/v1/Invoices/{second['invoiceId']}")).json()["number"] is not None


async def test_an_upgrade_bills_the_rest_of_the_period_now_as_its_preview_said(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx)
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-14T10:00:00Z")  # 14 of 28 days left
    change = {"items": [{"productId": ctx["pro"]["id"]}], "prorationMode": "invoice_now"}

    preview = (await api.post(f"{SUBS}/{sub['id']}/preview", json=change)).json()
    changed = await api.patch(f"{SUBS}/{sub['id']}", json=change)

    assert changed.status_code == 200, changed.text
    assert [item["productId"] for item in changed.json()["items"]] == [ctx["pro"]["id"]]
    assert preview["billed"] == "now"
    # Pro costs 31000 a period and Basic 10000 (VAT-exclusive): the rest is 14 of 28 days of each.
    assert [line["netAmount"] for line in preview["lines"]] == [15500 - 5000]
    assert preview["lines"][0]["description"] == (
        "Basic: 1 → 0, 2027-02-14 - 2027-02-27; Pro: 0 → 1, 2027-02-14 - 2027-02-27"
    )
    rows = await _history(api, sub["id"])
    proration = next(row for row in rows if row["kind"] == "proration")
    invoice = (await api.get(f"/api/v1/Invoices/{proration['invoiceId']}")).json()
    assert [item["netAmount"] for item in invoice["items"]] == [
        line["netAmount"] for line in preview["lines"]
    ]
    assert [item["description"] for item in invoice["items"]] == [
        line["description"] for line in preview["lines"]
    ]
    assert invoice["total"] == preview["total"]
    assert invoice["status"] == "open"


async def test_a_downgrade_waits_for_the_period_end_by_default(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx, items=[{"productId": ctx["pro"]["id"]}])

    response = await api.patch(f"{SUBS}/{sub['id']}", json={"items": [{"productId": ctx["basic"]["id"]}]})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["items"][0]["productId"] == ctx["pro"]["id"]
    assert body["pendingChange"]["effectiveOn"] == "2027-02-28"
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-03-01T10:00:00Z")
    after = (await api.get(f"{SUBS}/{sub['id']}")).json()
    assert after["items"][0]["productId"] == ctx["basic"]["id"]
    assert after["pendingChange"] is None
    assert [row["amount"] for row in await _history(api, sub["id"])] == [38750, 12500]


async def test_cancel_at_period_end_bills_nothing_more_and_uncancel_undoes_it(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx)

    cancelled = (await api.post(f"{SUBS}/{sub['id']}/cancel", json={"atPeriodEnd": True})).json()
    assert (cancelled["status"], cancelled["cancelAtPeriodEnd"]) == ("active", True)
    undone = (await api.post(f"{SUBS}/{sub['id']}/uncancel")).json()
    assert undone["cancelAtPeriodEnd"] is False
    await api.post(f"{SUBS}/{sub['id']}/cancel", json={"atPeriodEnd": True})
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-05-01T10:00:00Z")

    ended = (await api.get(f"{SUBS}/{sub['id']}")).json()
    assert ended["status"] == "canceled"
    assert ended["endedAt"].startswith("2027-02-27T23:00:00")  # midnight in Oslo
    assert len(await _history(api, sub["id"])) == 1
    again = await api.post(f"{SUBS}/{sub['id']}/cancel", json={})
    assert again.status_code == 409
    assert error_code(again, 409) == "subscription_ended"


async def test_a_pause_skips_periods_and_a_resume_starts_a_new_one_on_the_anchor(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx)

    paused = await api.post(f"{SUBS}/{sub['id']}/pause", json={"resumesAt": "2027-04-10"})
    assert paused.status_code == 200, paused.text
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-03-15T10:00:00Z")
    assert (await api.get(f"{SUBS}/{sub['id']}")).json()["status"] == "paused"
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-04-12T10:00:00Z")

    resumed = (await api.get(f"{SUBS}/{sub['id']}")).json()
    assert resumed["status"] == "active"
    assert (resumed["currentPeriodStart"], resumed["currentPeriodEnd"]) == ("2027-04-10", "2027-04-30")
    rows = await _history(api, sub["id"])
    assert [row["periodStart"] for row in rows] == ["2027-01-31", "2027-04-10"]


async def test_a_trial_bills_nothing_until_it_ends(api: Api, database: Database, settings: Settings) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx, trialDays=14, billingAnchor=None)

    assert sub["status"] == "trialing"
    assert (sub["currentPeriodStart"], sub["currentPeriodEnd"]) == ("2027-01-31", "2027-02-14")
    assert await _history(api, sub["id"]) == []
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-15T10:00:00Z")
    active = (await api.get(f"{SUBS}/{sub['id']}")).json()
    assert active["status"] == "active"
    assert (active["currentPeriodStart"], active["currentPeriodEnd"]) == ("2027-02-14", "2027-03-14")


async def test_bad_requests_name_each_field(api: Api) -> None:
    ctx = await _setup(api)
    response = await api.post(
        SUBS,
        json={
            "customerId": "cus_missing",
            "items": [{"productId": "prd_missing"}],
            "billingCycleId": "bcy_missing",
            "collectionMethod": "charge_automatically",
            "paymentMethodId": "pm_missing",
            "trialDays": 3,
            "trialEnd": "2027-03-01",
            "timeZone": "Mars/Olympus",
        },
    )
    assert response.status_code == 422
    codes = {(d["field"], d["code"]) for d in response.json()["error"]["details"]}
    assert codes >= {
        ("customerId", "customer_not_found"),
        ("billingCycleId", "billing_cycle_not_found"),
        ("items[0].productId", "product_not_found"),
        ("paymentMethodId", "payment_method_not_found"),
        ("trialEnd", "conflicting_trial"),
        ("timeZone", "invalid_time_zone"),
    }
    assert ctx  # the merchant's catalog is untouched by the refusal
    missing = await api.get(f"{SUBS}/sub_missing")
    assert missing.status_code == 404
    assert error_code(missing, 404) == "subscription_not_found"


async def test_a_start_off_the_anchor_bills_its_share_of_the_month(api: Api) -> None:
    ctx = await _setup(api, frozen="2027-01-10T10:00:00Z")

    sub = await _subscribe(api, ctx)  # anchored on the 31st, starting the 10th

    assert (sub["currentPeriodStart"], sub["currentPeriodEnd"]) == ("2027-01-10", "2027-01-31")
    [first] = await _history(api, sub["id"])
    invoice = (await api.get(f"/api/v1/Invoices/{first['invoiceId']}")).json()
    # 21 of the 31 days from Dec 31 to Jan 31, of 100.00 a month.
    assert [(i["description"], i["netAmount"]) for i in invoice["items"]] == [
        ("Basic, 2027-01-10 - 2027-01-30 (21 of 31 days)", 6774)
    ]
    assert first["amount"] == invoice["total"] == 6774 + 1694


async def test_a_new_catalog_price_reaches_subscribers_only_when_moved_with_notice(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx)
    raised = await api.patch(f"/api/v1/Products/{ctx['basic']['id']}", json={"unitPrice": 12000})
    assert raised.status_code == 200, raised.text
    new_price = raised.json()["priceId"]

    await _advance(api, database, settings, ctx["clock"]["id"], "2027-03-01T10:00:00Z")
    assert [row["amount"] for row in await _history(api, sub["id"])] == [12500, 12500]  # still as sold

    moved = await api.post(
        f"{SUBS}/price-changes",
        json={"priceId": new_price, "effectiveFrom": "2027-03-15", "noticeDays": 30},
    )
    assert moved.status_code == 200, moved.text
    # Told on March 1, 30 days' notice: the first boundary on or after March 31.
    assert moved.json()["scheduled"] == [{"subscriptionId": sub["id"], "effectiveOn": "2027-03-31"}]
    pending = (await api.get(f"{SUBS}/{sub['id']}")).json()["pendingChange"]
    assert (pending["effectiveOn"], pending["items"][0]["priceId"]) == ("2027-03-31", new_price)
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-05-01T10:00:00Z")

    assert [row["amount"] for row in await _history(api, sub["id"])] == [12500, 12500, 15000, 15000]
    again = await api.post(
        f"{SUBS}/price-changes", json={"priceId": new_price, "effectiveFrom": "2027-05-01"}
    )
    assert again.json() == {"priceId": new_price, "scheduled": [], "skipped": []}
    unknown = await api.post(
        f"{SUBS}/price-changes", json={"priceId": "price_x", "effectiveFrom": "2027-05-01"}
    )
    assert unknown.status_code == 422


async def test_a_test_customers_documents_are_numbered_apart_from_the_live_series(api: Api) -> None:
    ctx = await _setup(api)
    lines = [{"description": "Setup", "unitPrice": 10000, "taxRate": "25"}]
    test_invoice = await api.created(
        "/api/v1/Invoices", {"customerId": ctx["customer"]["id"], "items": lines, "finalize": True}
    )
    live = await api.created("/api/v1/Customers", customer_body())
    live_invoice = await api.created(
        "/api/v1/Invoices", {"customerId": live["id"], "items": lines, "finalize": True}
    )

    assert (test_invoice["series"], test_invoice["number"]) == ("TEST", 1)
    assert (live_invoice["series"], live_invoice["number"]) == ("INV", 1)
    note = await api.post(f"/api/v1/Invoices/{test_invoice['id']}/credit", json={})
    assert note.status_code == 201, note.text
    assert note.json()["series"] == "TEST-CN"
    refused = await api.post(
        "/api/v1/Invoices", json={"customerId": live["id"], "items": lines, "series": "TEST"}
    )
    assert refused.status_code == 422
    assert "series_reserved" in refused.text


async def test_a_new_cycle_starts_at_the_periods_end(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx)
    yearly = await api.created("/api/v1/BillingCycles", {"name": "Yearly", "interval": "year"})

    now = await api.patch(
        f"{SUBS}/{sub['id']}", json={"billingCycleId": yearly["id"], "prorationMode": "invoice_now"}
    )
    changed = await api.patch(f"{SUBS}/{sub['id']}", json={"billingCycleId": yearly["id"]})

    assert now.status_code == 422
    assert "cycle_change_at_period_end" in now.text
    assert changed.json()["pendingChange"]["billingCycleId"] == yearly["id"]
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-03-01T10:00:00Z")
    after = (await api.get(f"{SUBS}/{sub['id']}")).json()
    assert (after["interval"], after["currentPeriodStart"], after["currentPeriodEnd"]) == (
        "year",
        "2027-02-28",
        "2028-02-29",  # the anchor (the 31st) clamps to February's last day, a leap day in 2028
    )
    missing = await api.patch(f"{SUBS}/{sub['id']}", json={"billingCycleId": "bcy_missing"})
    assert missing.status_code == 422
    assert "billing_cycle_not_found" in missing.text


async def test_a_billing_is_past_due_by_its_test_clocks_day_not_the_real_one(
    api: Api, database: Database, settings: Settings
) -> None:
    """A clock set years back: its invoice, due in 14 days of the clock's time, is long past due by the
    real calendar, and not yet by the clock's."""
    ctx = await _setup(api, frozen="2020-01-31T10:00:00Z")
    sub = await _subscribe(api, ctx, paymentTermsDays=14)
    assert [row["status"] for row in await _history(api, sub["id"])] == ["open"]

    await _advance(api, database, settings, ctx["clock"]["id"], "2020-02-16T10:00:00Z")
    assert [row["status"] for row in await _history(api, sub["id"])] == ["past_due"]


async def test_a_clocks_advance_delivers_what_it_sent_before_it_is_ready(
    api: Api, database: Database, settings: Settings
) -> None:
    """The renewal's invoice and the reminder before its due date go out at the clock's moments, with
    no worker running: when the clock is ready, they are delivered."""
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx, paymentTermsDays=14)
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-28T10:00:00Z")
    renewal = (await _history(api, sub["id"]))[-1]
    invoice = (await api.get(f"/api/v1/Invoices/{renewal['invoiceId']}")).json()
    assert invoice["deliveryStatus"] == "delivered"

    await _advance(api, database, settings, ctx["clock"]["id"], "2027-03-12T10:00:00Z")  # 3 days before due
    deliveries = (await api.get(f"/api/v1/Invoices/{renewal['invoiceId']}/deliveries")).json()["data"]
    assert [d["status"] for d in deliveries] == ["delivered", "delivered"]  # the invoice, the reminder
