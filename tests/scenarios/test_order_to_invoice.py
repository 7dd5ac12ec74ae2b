"""Seed 002's order-to-invoice flow, with the card's bank asking for 3-D Secure, over two days.

A Norwegian web shop (the merchant) sells to a consumer; Monday 2031-03-03 09:00 is START.
1. The shop looks the customer up by its CRM id, finds none, and creates her with an Idempotency-Key:
   its retry after a dropped connection gets the same customer back, marked as replayed.
2. It gathers the pricing data: NOK is accepted, the 25 % VAT rule, and its coupon VELKOMMEN10 is valid.
3. It creates a draft order: a catalogue product and a shipping line, the coupon taking 10 % off; the
   server computes the totals and VAT.
4. It picks the test gateway and creates a payment intent for the order with a return URL (again with an
   Idempotency-Key); the order opens. The shop listens to a webhook endpoint of its own.
5. 09:05 the payer, sent to the intent's page, pays with a card that asks for 3-D Secure, reaches the
   challenge and leaves it there. Nothing is booked; the intent waits for her (requires_action).
6. Tuesday 09:10, a day on, the worker has canceled the abandoned intent (payment_intent.canceled,
   abandoned); the order stays open. The shop makes a new intent, the payer approves the challenge this
   time and is sent to the return URL with status=succeeded. The order is paid and holds the money.
7. The shop hears it on its webhook (payment_intent.succeeded, order.paid) and invoices the order,
   finalized at once: the held payment settles the invoice, which is paid, and the order is completed.
8. It sends the invoice the way seed 002 does (PUT status=sent). The worker renders the PDF and e-mails
   it (the local outbox, no SMTP server configured); the invoice is delivered.
9. The bookkeeping: the order's intents and invoice, the customer's statement and the journal show the
   payment and the invoice; the books agree.
"""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import httpx

from faktura.kit.db import Database
from tests.delivery.servers import outbox_files
from tests.delivery.support import deliveries, tries
from tests.factories import Api, customer_body, product, tax_rule_id
from tests.hosted.flows import THREE_DS_CARD, csrf_of, open_page, pay_with
from tests.invoices.helpers import INVOICES, assert_books_agree, fetch
from tests.scenarios.clock import START, ScenarioClock
from tests.webhooks.flows import endpoint_at, signed_by
from tests.webhooks.receiver import receiving

RETURN_URL = "https://shop.example/checkout/done?cart=4711"
HEARD = ["payment_intent.canceled", "payment_intent.succeeded", "order.paid", "invoice.paid"]
TOTAL = 236250  # (200000 + 10000) less 10 % is 189000, with 25 % VAT


async def test_an_order_paid_after_a_3ds_challenge_becomes_a_paid_and_sent_invoice(
    api: Api, database: Database, clock: ScenarioClock, payer: httpx.AsyncClient
) -> None:
    await api.created(
        "/api/v1/Coupons", {"code": "velkommen10", "name": "Velkomstrabatt", "percentOff": "10"}
    )
    espresso = await product(api, name="Espressomaskin", unitPrice=200000, unitCode="EA")
    with receiving() as receiver:
        hook = await endpoint_at(api, receiver, events=HEARD, inOrder=True)

        # 1. The customer, looked up by the shop's own id, then created once.
        found = await api.get("/api/v1/Customers", params={"externalId": "CRM-1001"})
        assert found.json()["data"] == []
        body = customer_body(name="Ingrid Berg", email="ingrid@example.no", externalId="CRM-1001")
        key = {"Idempotency-Key": "customer-CRM-1001"}
        customer = await api.created("/api/v1/Customers", body, headers=key)
        again = await api.post("/api/v1/Customers", json=body, headers=key)
        assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
        assert again.json()["id"] == customer["id"]

        # 2. The pricing data.
        currencies = (await api.get("/api/v1/Currencies")).json()["data"]
        assert [c["code"] for c in currencies if c["accepted"]] == ["NOK"]
        vat = await tax_rule_id(api, "25")
        checked = await api.post("/api/v1/Coupons/validate", json={"code": "VELKOMMEN10", "currency": "NOK"})
        assert (checked.json()["valid"], checked.json()["coupon"]["percentOff"]) == (True, "10")

        # 3. The draft order, priced by the server: 2 000.00 + 100.00 shipping, 10 % off, 25 % VAT.
        order = await api.created(
            "/api/v1/Orders",
            {
                "customerId": customer["id"],
                "currency": "NOK",
                "couponCode": "velkommen10",
                "reference": "WEB-4711",
                "items": [
                    {"productId": espresso["id"]},
                    {"description": "Frakt", "unitPrice": 10000, "taxRuleId": vat},
                ],
            },
            headers={"Idempotency-Key": "order-WEB-4711"},
        )
        figures = [order[k] for k in ("status", "subtotal", "discountTotal", "taxTotal", "total")]
        assert figures == ["draft", 210000, 21000, 47250, TOTAL]

        # 4. The test gateway, and an intent for the order: the order opens.
        gateways = (await api.get("/api/v1/PaymentGateways")).json()["data"]
        assert next(g for g in gateways if g["id"] == "test")["capabilities"]["threeDSecure"] is True
        intent_body = {
            "orderId": order["id"],
            "amount": TOTAL,
            "currency": "NOK",
            "gateway": "test",
            "returnUrl": RETURN_URL,
        }
        first = await _intent(api, intent_body, "pay-WEB-4711-1")
        assert first["status"] == "requires_payment_method"
        assert await _order_status(api, order["id"]) == "open"

        # 5. 09:05 the payer reaches the 3-D Secure challenge and leaves it.
        await clock.advance(minutes=5)
        token = _token(first)
        challenge = await _challenge(payer, token)
        assert "Card ending in 3184" in challenge.text
        waiting = await _get_intent(api, first["id"])
        assert (waiting["status"], waiting["nextAction"]["type"]) == ("requires_action", "redirect_to_url")
        assert (await api.get("/api/v1/Ledger/JournalEntries")).json()["data"] == []

        # 6. A day on the intent is abandoned; a new one, and this time the payer approves.
        await clock.advance_to(START + timedelta(days=1, minutes=10))
        abandoned = await _get_intent(api, first["id"])
        assert (abandoned["status"], abandoned["cancellationReason"]) == ("canceled", "abandoned")
        assert abandoned["canceledAt"] == "2031-03-04T09:10:00Z"
        assert await _order_status(api, order["id"]) == "open"
        second = await _intent(api, intent_body, "pay-WEB-4711-2")
        token = _token(second)
        challenge = await _challenge(payer, token)
        approved = await payer.post(
            f"/pay/3ds/{token}", data={"csrf": csrf_of(challenge.text), "outcome": "approve", "lang": "en"}
        )
        assert approved.status_code == 303
        assert approved.headers["location"] == f"{RETURN_URL}&status=succeeded&reference={second['id']}"
        paid = await _get_intent(api, second["id"])
        assert (paid["status"], paid["amountReceived"], paid["succeededAt"]) == (
            "succeeded",
            TOTAL,
            "2031-03-04T09:10:00Z",
        )
        assert await _order_status(api, order["id"]) == "paid"

        # 7. The shop hears of it, and invoices the order: paid by the money held on it.
        await clock.advance(minutes=1)
        heard = [(r.json()["type"], r.json()["data"]["id"]) for r in receiver.received(hook["path"])]
        assert heard == [
            ("payment_intent.canceled", first["id"]),
            ("payment_intent.succeeded", second["id"]),
            ("order.paid", order["id"]),
        ]
        assert all(signed_by(r, hook["secret"]) for r in receiver.received(hook["path"]))
        invoice = await api.created(INVOICES, {"orderId": order["id"], "finalize": True})
        assert (invoice["status"], invoice["invoiceNumber"], invoice["orderReference"]) == (
            "paid",
            "INV-1",
            "WEB-4711",
        )
        assert (invoice["total"], invoice["prepaidAmount"], invoice["amountDue"]) == (TOTAL, TOTAL, 0)
        assert await _order_status(api, order["id"]) == "completed"

        # 8. Sent the seed's way; rendered and e-mailed by the worker.
        sent = await api.put(f"{INVOICES}/{invoice['id']}", json={"status": "sent"})
        assert (sent.status_code, sent.json()["deliveryStatus"]) == (200, "pending")
        await clock.advance(minutes=1)
        [delivery] = await deliveries(api, invoice["id"])
        assert tries(delivery) == [("ehf", "skipped", "no_participant_id"), ("email", "delivered", None)]
        invoice = await fetch(api, invoice["id"])
        assert (invoice["deliveryStatus"], invoice["deliveryChannel"]) == ("delivered", "email")
        [eml] = outbox_files(clock.worker_settings.data_dir, delivery["id"])
        message = message_from_bytes(
            (clock.worker_settings.data_dir / "outbox" / eml).read_bytes(), policy=policy.default
        )
        assert message["To"] == "Ingrid Berg <ingrid@example.no>"
        [attached] = message.iter_attachments()
        assert attached.get_filename() == "INV-1.pdf"
        pdf = await api.get(f"{INVOICES}/{invoice['id']}/pdf")
        assert attached.get_content() == pdf.content  # the one stored document, everywhere
        assert [r.json()["type"] for r in receiver.received(hook["path"])][-1] == "invoice.paid"

    # 9. The bookkeeping: what the order led to, the customer's statement and the journal.
    intents = (await api.get("/api/v1/PaymentIntents", params={"orderId": order["id"]})).json()["data"]
    assert sorted((i["id"], i["status"]) for i in intents) == [
        (first["id"], "canceled"),
        (second["id"], "succeeded"),
    ]
    [listed] = (await api.get(INVOICES, params={"orderId": order["id"]})).json()["data"]
    assert listed["id"] == invoice["id"]
    statement = (await api.get(f"/api/v1/Ledger/Customers/{customer['id']}")).json()
    rows = [(r["createdAt"], r["description"], r["amount"], r["balance"]) for r in statement["rows"]]
    assert rows == [
        ("2031-03-04T09:10:00Z", "Payment received", -TOTAL, -TOTAL),
        ("2031-03-04T09:11:00Z", "Invoice INV-1 finalized", TOTAL, 0),
        ("2031-03-04T09:11:00Z", "Payment applied to invoice INV-1", 0, 0),
    ]
    trial = (await api.get("/api/v1/Ledger/TrialBalance")).json()
    balances = {
        a["account"]: (a["debit"], a["credit"]) for a in trial["accounts"] if a["debit"] or a["credit"]
    }
    assert balances == {"1940": (TOTAL, 0), "2700": (0, 47250), "3000": (0, 189000)}
    await assert_books_agree(database, api.merchant_id)


async def _intent(api: Api, body: dict[str, Any], key: str) -> dict[str, Any]:
    """An intent made with an Idempotency-Key, and the shop's retry of it, which gets the same one."""
    made = await api.created("/api/v1/PaymentIntents", body, headers={"Idempotency-Key": key})
    retried = await api.post("/api/v1/PaymentIntents", json=body, headers={"Idempotency-Key": key})
    assert (retried.headers["idempotent-replayed"], retried.json()["id"]) == ("true", made["id"])
    return made


async def _get_intent(api: Api, intent_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/PaymentIntents/{intent_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _order_status(api: Api, order_id: str) -> str:
    return str((await api.get(f"/api/v1/Orders/{order_id}")).json()["status"])


def _token(intent: dict[str, Any]) -> str:
    return str(intent["paymentUrl"]).rsplit("/", 1)[1]


async def _challenge(payer: httpx.AsyncClient, token: str) -> httpx.Response:
    """The payer enters a card whose bank asks for 3-D Secure, and is shown the challenge."""
    _, csrf = await open_page(payer, token, lang="en")
    entered = await pay_with(payer, token, csrf, THREE_DS_CARD, lang="en", name="Ingrid Berg")
    assert (entered.status_code, entered.headers["location"]) == (303, f"/pay/3ds/{token}?lang=en")
    challenge = await payer.get(entered.headers["location"])
    assert challenge.status_code == 200
    return challenge
