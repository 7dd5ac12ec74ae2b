"""The `manual` gateway (bank transfer against a KID) and the `invoice` gateway (pay later)."""

from __future__ import annotations

from stdnum import luhn

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.payments import service
from tests.asserts import error_code, invalid_fields
from tests.factories import Api
from tests.payments.support import INTENTS, ORDER_TOTAL, confirm, intent_body, ledger, new_intent, new_order


async def test_a_bank_transfer_waits_with_instructions_and_a_kid(api: Api) -> None:
    intent = await new_intent(api, gateway="manual")
    assert intent["status"] == "requires_action"
    kid = intent["paymentReference"]
    assert kid.isdigit()
    assert len(kid) == 15
    assert luhn.is_valid(kid)
    action = intent["nextAction"]
    assert action["type"] == "bank_transfer"
    assert action["bankTransfer"] == {
        "accountHolder": action["bankTransfer"]["accountHolder"],
        "bankAccount": "12345678903",  # the merchant's, as its profile has it
        "paymentReference": kid,
        "amount": ORDER_TOTAL,
        "currency": "NOK",
    }
    assert action["bankTransfer"]["accountHolder"].startswith("Merchant")
    # The same order gets the same KID from every intent, so the payer's transfer matches any of them.
    order = (await api.get(f"/api/v1/Orders/{intent['orderId']}")).json()
    assert (await new_intent(api, order, gateway="manual"))["paymentReference"] == kid


async def test_marking_a_transfer_received_pays_into_the_bank_account(api: Api, database: Database) -> None:
    intent = await new_intent(api, gateway="manual")
    url = f"{INTENTS}/{intent['id']}/mark-received"
    assert invalid_fields(await api.post(url, json={"amount": ORDER_TOTAL - 100})) == [
        ("amount", "amount_mismatch")
    ]
    assert invalid_fields(await api.post(url, json={})) == [("amount", "required")]
    received = (await api.post(url, json={"amount": ORDER_TOTAL})).json()
    assert received["status"] == "succeeded"
    assert received["amountReceived"] == ORDER_TOTAL
    assert received["nextAction"] is None
    assert (await api.get(f"/api/v1/Orders/{intent['orderId']}")).json()["status"] == "paid"
    (entry,) = await ledger(database, api.merchant_id)
    assert entry.lines == [("1920", ORDER_TOTAL, 0, None), ("2900", 0, ORDER_TOTAL, intent["customerId"])]
    assert (
        error_code(await api.post(url, json={"amount": ORDER_TOTAL}), 409)
        == "invalid_payment_intent_transition"
    )
    refund = await api.created("/api/v1/Refunds", {"paymentIntentId": intent["id"], "amount": 1000})
    assert refund["status"] == "succeeded"
    assert (await ledger(database, api.merchant_id))[-1].lines == [
        ("2900", 1000, 0, intent["customerId"]),
        ("1920", 0, 1000, None),
    ]


async def test_a_bank_transfer_is_not_confirmed_with_a_card_nor_a_card_marked_received(api: Api) -> None:
    manual = await new_intent(api, gateway="manual")
    assert error_code(await confirm(api, manual["id"], "tok_success"), 409) == "gateway_not_confirmable"
    card = await new_intent(api)
    response = await api.post(f"{INTENTS}/{card['id']}/mark-received", json={"amount": ORDER_TOTAL})
    assert error_code(response, 409) == "gateway_not_bank_transfer"


async def test_a_waiting_bank_transfer_can_be_canceled(api: Api) -> None:
    manual = await new_intent(api, gateway="manual")
    assert (await api.post(f"{INTENTS}/{manual['id']}/cancel")).json()["status"] == "canceled"


async def test_pay_later_records_the_choice_and_keeps_the_order_open(api: Api, database: Database) -> None:
    intent = await new_intent(api, gateway="invoice")
    assert intent["status"] == "processing"
    assert intent["nextAction"] == {"type": "invoice", "redirectToUrl": None, "bankTransfer": None}
    assert (await api.get(f"/api/v1/Orders/{intent['orderId']}")).json()["status"] == "open"
    assert await ledger(database, api.merchant_id) == []
    response = await api.post("/api/v1/Refunds", json={"paymentIntentId": intent["id"]})
    assert error_code(response, 409) == "payment_intent_not_refundable"


async def test_pay_later_does_not_stop_the_payer_paying_by_card_after_all(api: Api) -> None:
    order = await new_order(api)
    later = await new_intent(api, order, gateway="invoice")
    card = await new_intent(api, order)
    assert (await confirm(api, card["id"], "tok_success")).json()["status"] == "succeeded"
    ended = (await api.get(f"{INTENTS}/{later['id']}")).json()
    assert ended["status"] == "canceled"
    assert ended["cancellationReason"] == "superseded"


async def test_pay_later_ends_when_the_orders_invoice_is_issued(
    api: Api, database: Database, settings: Settings
) -> None:
    later = await new_intent(api, gateway="invoice")
    invoice = await api.created("/api/v1/Invoices", {"orderId": later["orderId"]})
    assert (await api.get(f"{INTENTS}/{later['id']}")).json()[
        "status"
    ] == "processing"  # a draft is no bill yet
    final = await api.post(f"/api/v1/Invoices/{invoice['id']}/finalize")
    assert final.json()["status"] == "open"
    ended = (await api.get(f"{INTENTS}/{later['id']}")).json()
    assert ended["status"] == "canceled"
    assert ended["cancellationReason"] == "invoiced"
    async with database.transaction() as session:
        assert await service.invoice_issued(session, api.merchant_id, later["orderId"]) == 0


async def test_pay_later_needs_an_order_with_a_customer(api: Api) -> None:
    order = await new_order(api, customer=False)
    response = await api.post(INTENTS, json=intent_body(order, gateway="invoice"))
    assert invalid_fields(response) == [("gateway", "customer_required")]
    response = await api.post(
        INTENTS, json=intent_body(order, gateway="invoice", paymentMethodToken="tok_success")
    )
    assert invalid_fields(response) == [("paymentMethodToken", "payment_method_not_accepted")]
