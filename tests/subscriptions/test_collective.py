"""Renewals on a customer's collective invoice (`separateInvoices: false`): a customer's subscriptions
renewing on one date, and their collective orders due then, go on one invoice per currency and terms;
dunning follows that invoice for every subscription on it."""

from __future__ import annotations

from typing import Any

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.subscriptions import clocks
from tests.factories import Api, customer_body, product

SUBS = "/api/v1/Subscriptions"


async def _advance(api: Api, database: Database, settings: Settings, clock_id: str, to: str) -> None:
    response = await api.post(f"/api/v1/TestClocks/{clock_id}/advance", json={"frozenTime": to})
    assert response.status_code == 200, response.text
    await clocks.run(database, settings, clock_id)


async def _rows(api: Api, subscription_id: str) -> list[dict[str, Any]]:
    response = await api.get(
        "/api/v1/SubscriptionBillingHistories", params={"subscriptionId": subscription_id}
    )
    return sorted(response.json()["data"], key=lambda row: row["periodStart"])


async def test_a_customers_renewals_and_collective_orders_go_on_one_invoice(
    api: Api, database: Database, settings: Settings
) -> None:
    clock = await api.created("/api/v1/TestClocks", {"frozenTime": "2027-02-01T10:00:00Z"})
    customer = await api.created("/api/v1/Customers", customer_body(testClockId=clock["id"]))
    monthly = await api.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    plan = await product(api, name="Plan", unitPrice=10000, unitCode="MON")
    addon = await product(api, name="Add-on", unitPrice=2000, unitCode="MON")
    body = {
        "customerId": customer["id"],
        "billingCycleId": monthly["id"],
        "billingAnchor": 1,
        "paymentTermsDays": 14,
        "separateInvoices": False,
    }
    first = await api.created(SUBS, {**body, "items": [{"productId": plan["id"]}]})
    second = await api.created(SUBS, {**body, "items": [{"productId": addon["id"]}]})
    alone = await api.created(SUBS, {**body, "items": [{"productId": plan["id"]}], "separateInvoices": True})
    order = await api.created(
        "/api/v1/Orders",
        {
            "customerId": customer["id"],
            "items": [{"description": "Extra seats", "unitPrice": 5000, "taxRate": "25"}],
            "separateInvoices": False,
            "invoiceInterval": "monthly",
            "paymentTermsDays": 14,
        },
    )
    await _advance(api, database, settings, clock["id"], "2027-02-01T10:05:00Z")
    before = {(await _rows(api, s["id"]))[0]["invoiceId"] for s in (first, second)}
    assert len(before) == 1  # the first periods, made together by the run, with the order due already
    february = (await api.get(f"/api/v1/Invoices/{before.pop()}")).json()
    assert february["orderIds"] == [order["id"]]
    assert sorted(i["description"].split(",")[0] for i in february["items"]) == [
        "Add-on",
        "Plan",
        f"{order['id']}: Extra seats",
    ]
    assert february["total"] == (10000 + 2000 + 5000) * 125 // 100

    # Unpaid past its due date (February 15): both subscriptions on it are past due.
    await _advance(api, database, settings, clock["id"], "2027-02-16T10:00:00Z")
    statuses = [(await api.get(f"{SUBS}/{s['id']}")).json()["status"] for s in (first, second)]
    assert statuses == ["past_due", "past_due"]

    await _advance(api, database, settings, clock["id"], "2027-03-01T10:00:00Z")

    renewals = [(await _rows(api, s["id"]))[-1] for s in (first, second, alone)]
    assert [r["periodStart"] for r in renewals] == ["2027-03-01"] * 3
    together, separate = renewals[0]["invoiceId"], renewals[2]["invoiceId"]
    assert renewals[1]["invoiceId"] == together != separate
    invoice = (await api.get(f"/api/v1/Invoices/{together}")).json()
    assert invoice["orderIds"] == []
    assert invoice["total"] == (10000 + 2000) * 125 // 100
    assert (invoice["status"], invoice["sentAt"] is not None) == ("open", True)
    assert [r["amount"] for r in renewals[:2]] == [12500, 2500]


async def test_a_collective_subscription_is_sent_and_takes_no_coupon(api: Api) -> None:
    monthly = await api.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    plan = await product(api, name="Plan", unitPrice=10000, unitCode="MON")
    customer = await api.created("/api/v1/Customers", customer_body())
    response = await api.post(
        SUBS,
        json={
            "customerId": customer["id"],
            "items": [{"productId": plan["id"]}],
            "billingCycleId": monthly["id"],
            "collectionMethod": "charge_automatically",
            "separateInvoices": False,
            "couponCode": "NOPE",
        },
    )
    assert response.status_code == 422
    codes = {(d["field"], d["code"]) for d in response.json()["error"]["details"]}
    assert {
        ("separateInvoices", "collective_needs_send_invoice"),
        ("couponCode", "coupon_not_collective"),
    } <= codes
