"""At most one intent succeeds per order, however the requests race."""

from __future__ import annotations

import asyncio

from faktura.kit.db import Database
from tests.factories import Api
from tests.invoices.helpers import assert_books_agree
from tests.payments.support import INTENTS, confirm, ledger, new_intent, new_order, paid_intent, payment_of


async def test_concurrent_confirms_of_two_intents_charge_once(api: Api, database: Database) -> None:
    order = await new_order(api)
    intents = [await new_intent(api, order) for _ in range(4)]
    responses = await asyncio.gather(*(confirm(api, intent["id"], "tok_success") for intent in intents))
    winners = [r for r in responses if r.status_code == 200 and r.json()["status"] == "succeeded"]
    assert len(winners) == 1, [r.text for r in responses]
    for loser in responses:
        if loser is not winners[0]:
            assert loser.status_code == 409, loser.text
            assert loser.json()["error"]["code"] in (
                "order_already_paid",
                "invalid_payment_intent_transition",
            )
    listed = (await api.get(INTENTS, params={"orderId": order["id"], "status": "succeeded"})).json()["data"]
    assert [i["id"] for i in listed] == [winners[0].json()["id"]]
    entries = await ledger(database, api.merchant_id)
    assert [e.kind for e in entries] == ["payment_received"]
    assert entries[0].source_id == (await payment_of(database, winners[0].json()["id"])).id


async def test_the_same_intent_confirmed_twice_at_once_charges_once(api: Api, database: Database) -> None:
    intent = await new_intent(api)
    responses = await asyncio.gather(*(confirm(api, intent["id"], "tok_success") for _ in range(3)))
    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    assert [e.kind for e in await ledger(database, api.merchant_id)] == ["payment_received"]


async def test_a_bank_transfer_and_a_card_racing_for_one_order_pay_once(api: Api, database: Database) -> None:
    order = await new_order(api)
    manual = await new_intent(api, order, gateway="manual")
    card = await new_intent(api, order)
    responses = await asyncio.gather(
        api.post(f"{INTENTS}/{manual['id']}/mark-received", json={"amount": order["total"]}),
        confirm(api, card["id"], "tok_success"),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert [e.kind for e in await ledger(database, api.merchant_id)] == ["payment_received"]


async def test_a_refund_racing_the_finalization_of_the_orders_invoice_settles_either_way(
    api: Api, database: Database
) -> None:
    """Both take the order's lock first, so they queue: the refund draws on the money still held, or
    takes it back from the invoice that money already paid; the invoice owes the same in the end."""
    for _ in range(5):
        paid = await paid_intent(api)
        draft = await api.created("/api/v1/Invoices", {"orderId": paid["orderId"]})
        finalized, refunded = await asyncio.gather(
            api.post(f"/api/v1/Invoices/{draft['id']}/finalize"),
            api.post("/api/v1/Refunds", json={"paymentIntentId": paid["id"], "amount": 1000}),
        )
        assert finalized.status_code == 200, finalized.text
        assert refunded.status_code == 201, refunded.text
        invoice = (await api.get(f"/api/v1/Invoices/{draft['id']}")).json()
        # Whichever came first, the invoice ends owing exactly what was refunded.
        assert (invoice["status"], invoice["amountDue"]) == ("partially_paid", 1000)
    await assert_books_agree(database, api.merchant_id)
