"""Two years of a subscription on the real clock and the worker's own billing run.

A Norwegian merchant sells a monthly plan anchored on the 31st, paid by a card the customer saved on
the payment page (START is Monday 2031-03-03 09:00 UTC).
1. It starts on the 3rd: the short period to March 31 costs its 28 of 31 days, charged at once.
2. Renewals on the months' last days (March 31 across the change to summer time), each charged once.
3. April 15: an upgrade to Pro, the rest of the period invoiced and charged now, as previewed.
4. June 10: a downgrade, by the merchant's policy at the period's end (June 30).
5. August: the card now lacks funds. The August 31 renewal fails: past due; the retry on day 3 fails;
   the customer saves a new card, which is charged at once: active again.
6. October: paused at the period's end, resuming on December 15 with a short period to the 31st.
7. June 2032: cancelled at the period's end; nothing is billed after June 30, up to March 2033.
At the end: each period has one billing and one invoice, the periods tile (but for the pause), every
invoice is paid, the events of the failed renewal come in order, and the books agree.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from faktura.kit import clock as service_clock
from faktura.kit.db import Database
from tests.factories import Api, product
from tests.invoices.helpers import assert_books_agree
from tests.payments.support import saved_by_paying, stored_card
from tests.scenarios.clock import START, ScenarioClock

SUBS = "/api/v1/Subscriptions"


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


async def _rows(api: Api, subscription_id: str) -> list[dict[str, Any]]:
    response = await api.get(
        "/api/v1/SubscriptionBillingHistories", params={"subscriptionId": subscription_id, "limit": 100}
    )
    assert response.status_code == 200, response.text
    return sorted(response.json()["data"], key=lambda row: (row["periodStart"], row["kind"]))


async def _sub(api: Api, subscription_id: str) -> dict[str, Any]:
    return dict((await api.get(f"{SUBS}/{subscription_id}")).json())


async def test_two_years_of_a_card_subscription(api: Api, database: Database, clock: ScenarioClock) -> None:
    card = await saved_by_paying(api)
    customer_id = card["customerId"]
    monthly = await api.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    basic = await product(api, name="Basic", unitPrice=10000, unitCode="MON")
    pro = await product(api, name="Pro", unitPrice=31000, unitCode="MON")

    # 1. Started on the 3rd, anchored on the 31st: 28 of 31 days, charged now.
    sub = await api.created(
        SUBS,
        {
            "customerId": customer_id,
            "items": [{"productId": basic["id"]}],
            "billingCycleId": monthly["id"],
            "billingAnchor": 31,
            "collectionMethod": "charge_automatically",
            "paymentMethodId": card["id"],
        },
    )
    assert (sub["status"], sub["currentPeriodEnd"]) == ("active", "2031-03-31")
    [first] = await _rows(api, sub["id"])
    assert (first["status"], first["amount"]) == ("paid", 11290)  # 9032 net (28/31 of 10000) + VAT

    # 2. March 31 begins at 22:00 UTC on the 30th, the first night of summer time in Oslo.
    await clock.advance_to(at("2031-03-31", 3))
    assert (await _sub(api, sub["id"]))["currentPeriodStart"] == "2031-03-31"

    # 3. April 15: Pro for the rest of the period, invoiced and charged now.
    await clock.advance_to(at("2031-04-15"))
    change = {"items": [{"productId": pro["id"]}], "prorationMode": "invoice_now"}
    preview = (await api.post(f"{SUBS}/{sub['id']}/preview", json=change)).json()
    assert preview["total"] == 13125  # 15 of 30 days: (31000 - 10000) / 2 = 10500 net
    assert (await api.patch(f"{SUBS}/{sub['id']}", json=change)).status_code == 200

    # 4. June 10: a downgrade waits for June 30.
    await clock.advance_to(at("2031-06-10"))
    down = await api.patch(f"{SUBS}/{sub['id']}", json={"items": [{"productId": basic["id"]}]})
    assert down.json()["pendingChange"]["effectiveOn"] == "2031-06-30"

    # 5. August: the card lacks funds; the new one pays.
    await clock.advance_to(at("2031-08-15"))
    poor = await stored_card(database, clock.worker_settings, api, customer_id, "tok_insufficient_funds")
    service_clock.freeze(clock.now())  # stored_card released the service's clock
    assert (await api.patch(f"{SUBS}/{sub['id']}", json={"paymentMethodId": poor})).status_code == 200
    await clock.advance_to(at("2031-09-01"))
    assert (await _sub(api, sub["id"]))["status"] == "past_due"
    await clock.advance_to(at("2031-09-05"))
    failing = (await _rows(api, sub["id"]))[-1]
    assert (failing["periodStart"], failing["status"], failing["attempts"]) == ("2031-08-31", "past_due", 2)
    better = await saved_by_paying(api, customerId=customer_id)
    assert (await api.patch(f"{SUBS}/{sub['id']}", json={"paymentMethodId": better["id"]})).status_code == 200
    await clock.advance(minutes=2)
    assert (await _sub(api, sub["id"]))["status"] == "active"
    assert (await _rows(api, sub["id"]))[-1]["status"] == "paid"

    # 6. Paused from October 31, back on December 15.
    await clock.advance_to(at("2031-10-05"))
    paused = await api.post(f"{SUBS}/{sub['id']}/pause", json={"resumesAt": "2031-12-15"})
    assert paused.status_code == 200, paused.text
    await clock.advance_to(at("2031-11-20"))
    assert (await _sub(api, sub["id"]))["status"] == "paused"
    await clock.advance_to(at("2031-12-16"))
    resumed = await _sub(api, sub["id"])
    assert (resumed["status"], resumed["currentPeriodStart"], resumed["currentPeriodEnd"]) == (
        "active",
        "2031-12-15",
        "2031-12-31",
    )

    # 7. Cancelled at the end of June 2032; nothing more up to March 2033.
    await clock.advance_to(at("2032-06-10"))
    assert (await api.post(f"{SUBS}/{sub['id']}/cancel", json={"atPeriodEnd": True})).status_code == 200
    while clock.now() < START + timedelta(days=730):
        await clock.advance(days=30)
    ended = await _sub(api, sub["id"])
    assert (ended["status"], ended["endedAt"][:10]) == ("canceled", "2032-06-29")  # midnight in Oslo

    rows = await _rows(api, sub["id"])
    renewals = [row for row in rows if row["kind"] == "renewal"]
    spans = [(date.fromisoformat(r["periodStart"]), date.fromisoformat(r["periodEnd"])) for r in renewals]
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start == end or (end, start) == (date(2031, 10, 31), date(2031, 12, 15))
    assert spans[0][0] == date(2031, 3, 3)
    assert spans[-1][1] == date(2032, 6, 30)
    assert len(renewals) == 15  # Mar 3, Mar 31 .. Sep 30 (7), then Dec 15, Dec 31 .. May 31 (6)
    assert len({r["invoiceId"] for r in rows}) == len(rows)
    assert {r["status"] for r in rows} == {"paid"}
    listed = (await api.get("/api/v1/Events", params={"limit": 100, "resourceId": sub["id"]})).json()
    events = [e["type"] for e in reversed(listed["data"]) if e["resourceId"] == sub["id"]]
    failed_at = events.index("subscription.payment_failed")
    assert events[failed_at - 1 : failed_at + 2] == [
        "subscription.renewed",
        "subscription.payment_failed",
        "subscription.past_due",
    ]
    # The orders the cards were saved by paying are invoiced, pay-first, so no money is left held.
    orders = (await api.get("/api/v1/Orders", params={"customerId": customer_id, "limit": 10})).json()
    for order in orders["data"]:
        await api.created("/api/v1/Invoices", {"orderId": order["id"], "finalize": True})
    await assert_books_agree(database, api.merchant_id)
