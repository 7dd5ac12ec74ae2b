"""A card subscription without a saved card: its first invoice's page saves the card the payer pays
with, and the renewals after it are charged to that card without the payer."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.subscriptions import clocks
from tests.factories import Api, customer_body, product
from tests.hosted.flows import open_page, pay_with

SUBS = "/api/v1/Subscriptions"


async def _advance(api: Api, database: Database, settings: Settings, clock_id: str, to: str) -> None:
    response = await api.post(f"/api/v1/TestClocks/{clock_id}/advance", json={"frozenTime": to})
    assert response.status_code == 200, response.text
    await clocks.run(database, settings, clock_id)


async def test_the_first_invoice_saves_the_card_the_renewals_are_charged_to(
    api: Api, payer: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    await api.patch(
        "/api/v1/Merchant", json={"invoiceSettings": {"subscriptions": {"renewalGraceMinutes": 0}}}
    )
    clock = await api.created("/api/v1/TestClocks", {"frozenTime": "2027-03-01T10:00:00Z"})
    customer = await api.created("/api/v1/Customers", customer_body(testClockId=clock["id"]))
    monthly = await api.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    plan = await product(api, name="Plan", unitPrice=10000, unitCode="MON")

    sub = await api.created(
        SUBS,
        {
            "customerId": customer["id"],
            "items": [{"productId": plan["id"]}],
            "billingCycleId": monthly["id"],
            "collectionMethod": "charge_automatically",
        },
    )
    assert (sub["status"], sub["paymentMethodId"]) == ("incomplete", None)
    [first] = (
        await api.get("/api/v1/SubscriptionBillingHistories", params={"subscriptionId": sub["id"]})
    ).json()["data"]
    invoice = (await api.get(f"/api/v1/Invoices/{first['invoiceId']}")).json()
    token = urlsplit(invoice["paymentUrl"]).path.rsplit("/", 1)[-1]

    page, csrf = await open_page(payer, token)
    assert 'id="save-card-consent"' in page.text
    paid = await pay_with(payer, token, csrf)
    assert paid.status_code in (200, 303), paid.text
    await _advance(api, database, settings, clock["id"], "2027-03-01T10:05:00Z")

    active = (await api.get(f"{SUBS}/{sub['id']}")).json()
    assert active["status"] == "active"
    assert active["paymentMethodId"] is not None
    await _advance(api, database, settings, clock["id"], "2027-04-01T10:00:00Z")
    rows = (
        await api.get("/api/v1/SubscriptionBillingHistories", params={"subscriptionId": sub["id"]})
    ).json()
    assert sorted((r["periodStart"], r["status"]) for r in rows["data"]) == [
        ("2027-03-01", "paid"),
        ("2027-04-01", "paid"),
    ]
