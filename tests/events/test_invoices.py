"""Invoices and credit notes: each change is its specific event plus invoice.updated (seed 001: a
subscriber of invoice.updated alone sees every change after invoice.created)."""

from __future__ import annotations

from typing import Any

from tests.asserts import error_code, invalid_fields
from tests.events.support import assert_latest_match, events_of, happened
from tests.factories import Api, order_body
from tests.invoices.helpers import INVOICES, LINES_TOTAL, customer, draft, fetch, lines_body

INTENTS = "/api/v1/PaymentIntents"


async def _invoice_events(api: Api, invoice_id: str) -> list[dict[str, Any]]:
    return await events_of(api, resourceId=invoice_id)


async def _receive(api: Api, invoice: dict[str, Any], amount: int) -> dict[str, Any]:
    """A bank transfer for the invoice's amount due, of which `amount` arrives."""
    body = {
        "invoiceId": invoice["id"],
        "amount": invoice["amountDue"],
        "currency": "NOK",
        "gateway": "manual",
    }
    intent = await api.created(INTENTS, body)
    response = await api.post(f"{INTENTS}/{intent['id']}/mark-received", json={"amount": amount})
    assert response.status_code == 200, response.text
    return await fetch(api, invoice["id"])


async def test_a_draft_is_created_edited_and_deleted(api: Api) -> None:
    created = await draft(api)
    url = f"{INVOICES}/{created['id']}"
    edited = (await api.patch(url, json={"reference": "PO-9", "note": "Thanks"})).json()
    assert (await api.delete(url)).status_code == 204
    events = await _invoice_events(api, created["id"])
    assert [e["type"] for e in events] == ["invoice.created", "invoice.updated", "invoice.deleted"]
    assert [e["data"] for e in events] == [created, edited, edited]
    assert {e["resource"] for e in events} == {"invoice"}


async def test_finalizing_sending_and_voiding_each_fire_their_event_and_invoice_updated(api: Api) -> None:
    created = await draft(api)
    url = f"{INVOICES}/{created['id']}"
    final = (await api.post(f"{url}/finalize")).json()
    sent = (await api.post(f"{url}/send")).json()
    void = (await api.post(f"{url}/void")).json()
    events = await _invoice_events(api, created["id"])
    assert [e["type"] for e in events] == [
        "invoice.created",
        "invoice.finalized",
        "invoice.updated",
        "invoice.sent",
        "invoice.updated",
        "invoice.voided",
        "invoice.updated",
    ]
    assert [e["data"] for e in events[1:]] == [final, final, sent, sent, void, void]
    assert (final["status"], final["number"], void["status"]) == ("open", 1, "void")


async def test_put_status_sent_on_a_draft_edits_finalizes_and_sends(api: Api) -> None:
    created = await draft(api)
    sent = (await api.put(f"{INVOICES}/{created['id']}", json={"note": "Net 14", "status": "sent"})).json()
    events = await _invoice_events(api, created["id"])
    assert [e["type"] for e in events] == [
        "invoice.created",
        "invoice.updated",
        "invoice.finalized",
        "invoice.updated",
        "invoice.sent",
        "invoice.updated",
    ]
    assert events[1]["data"]["status"] == "draft"
    assert events[-1]["data"] == sent == await fetch(api, created["id"])


async def test_payments_make_an_invoice_partially_paid_then_paid(api: Api) -> None:
    invoice = (await api.post(f"{INVOICES}/{(await draft(api))['id']}/finalize")).json()
    part = await _receive(api, invoice, 18000)
    whole = await _receive(api, part, part["amountDue"])
    events = await _invoice_events(api, invoice["id"])
    assert [e["type"] for e in events][2:] == [
        "invoice.updated",
        "invoice.partially_paid",
        "invoice.updated",
        "invoice.paid",
        "invoice.updated",
    ]
    assert [events[3]["data"], events[5]["data"]] == [part, whole]
    assert (part["status"], whole["status"], whole["amountPaid"]) == ("partially_paid", "paid", LINES_TOTAL)
    # The request that received the money wrote, in order: intent, invoice, payment.
    assert [e["type"] for e in await events_of(api)][-4:] == [
        "payment_intent.succeeded",
        "invoice.paid",
        "invoice.updated",
        "payment.succeeded",
    ]


async def test_refunds_take_a_paid_invoice_back_to_partially_paid_and_open(api: Api) -> None:
    invoice = (await api.post(f"{INVOICES}/{(await draft(api))['id']}/finalize")).json()
    body = {"invoiceId": invoice["id"], "amount": LINES_TOTAL, "currency": "NOK"}
    intent = await api.created(INTENTS, {**body, "paymentMethodToken": "tok_success"})
    before = len(await events_of(api))
    await api.created("/api/v1/Refunds", {"paymentIntentId": intent["id"], "amount": 5000})
    part = await fetch(api, invoice["id"])
    await api.created("/api/v1/Refunds", {"paymentIntentId": intent["id"]})
    events = (await events_of(api))[before:]
    assert [e["type"] for e in events] == [
        "invoice.partially_paid",
        "invoice.updated",
        "refund.created",
        "payment.refunded",
        # Back to open has no event of its own: invoice.updated says it.
        "invoice.updated",
        "refund.created",
        "payment.refunded",
    ]
    assert events[1]["data"] == part
    assert (part["status"], part["amountDue"]) == ("partially_paid", 5000)
    assert events[4]["data"]["status"] == "open"
    await assert_latest_match(api, events)


async def test_writing_off_is_marked_uncollectible_and_a_late_payment_pays_it(api: Api) -> None:
    invoice = (await api.post(f"{INVOICES}/{(await draft(api))['id']}/finalize")).json()
    written_off = (await api.post(f"{INVOICES}/{invoice['id']}/mark-uncollectible")).json()
    body = {"invoiceId": invoice["id"], "amount": LINES_TOTAL, "currency": "NOK", "gateway": "manual"}
    assert error_code(await api.post(INTENTS, json=body), 409) == "invoice_not_payable"
    types = [e["type"] for e in await _invoice_events(api, invoice["id"])]
    assert types[-2:] == ["invoice.marked_uncollectible", "invoice.updated"]
    assert (await _invoice_events(api, invoice["id"]))[-1]["data"] == written_off


async def test_credit_notes_are_recorded_and_change_their_invoice(api: Api) -> None:
    invoice = (await api.post(f"{INVOICES}/{(await draft(api))['id']}/finalize")).json()
    url = f"{INVOICES}/{invoice['id']}/credit"
    partial = (await api.post(url, json={"items": [{"position": 2}]})).json()
    rest = (await api.post(url, json={})).json()
    events = await events_of(api)
    assert [(e["type"], e["resourceId"]) for e in events][-5:] == [
        ("credit_note.created", partial["id"]),
        ("invoice.updated", invoice["id"]),
        ("credit_note.created", rest["id"]),
        ("invoice.voided", invoice["id"]),
        ("invoice.updated", invoice["id"]),
    ]
    assert events[-5]["data"] == partial
    assert events[-5]["resource"] == "credit_note"
    assert events[-4]["data"]["amountCredited"] == partial["total"]
    assert events[-1]["data"]["status"] == "void"
    await assert_latest_match(api, events)


async def test_farpay_pay_first_order_paid_then_invoiced_by_its_token(api: Api) -> None:
    """Seed 000: the order without a customer is paid (order.paid is the webhook FarPay fires), then
    the merchant's system invoices it by its token and the held payment settles the invoice."""
    order = await api.created("/api/v1/Orders", order_body())
    body = {"orderId": order["id"], "amount": order["total"], "currency": "NOK"}
    await api.created(INTENTS, {**body, "paymentMethodToken": "tok_success"})
    [paid] = await events_of(api, type="order.paid")
    assert (paid["resourceId"], paid["data"]["status"], paid["data"]["token"]) == (
        order["id"],
        "paid",
        order["token"],
    )
    before = len(await events_of(api))
    customer_id = await customer(api)
    invoice = await api.created(
        INVOICES, {"orderToken": paid["data"]["token"], "customerId": customer_id, "finalize": True}
    )
    events = (await events_of(api))[before:]
    assert [(e["type"], e["resourceId"]) for e in events] == [
        ("customer.created", customer_id),
        ("order.updated", order["id"]),
        ("invoice.created", invoice["id"]),
        ("invoice.finalized", invoice["id"]),
        ("invoice.updated", invoice["id"]),
        ("invoice.paid", invoice["id"]),
        ("invoice.updated", invoice["id"]),
        ("order.completed", order["id"]),
    ]
    assert events[1]["data"]["customerId"] == customer_id
    assert events[2]["data"]["status"] == "draft"
    assert events[3]["data"]["status"] == "open"
    assert events[5]["data"] == invoice
    assert events[7]["data"]["status"] == "completed"
    await assert_latest_match(api, events)


async def test_invoice_updated_alone_follows_every_change_after_creation(api: Api) -> None:
    """FeeWise registers invoice.created and invoice.updated only: each change reaches it."""
    created = await draft(api)
    url = f"{INVOICES}/{created['id']}"
    await api.patch(url, json={"note": "Edited"})
    await api.post(f"{url}/finalize")
    part = await _receive(api, await fetch(api, created["id"]), 1000)
    await api.post(f"{url}/send")
    await api.post(f"{url}/credit", json={"items": [{"position": 1, "quantity": "1"}]})
    await api.post(f"{url}/mark-uncollectible")
    updates = await events_of(api, type="invoice.updated", resourceId=created["id"])
    statuses = [e["data"]["status"] for e in updates]
    assert statuses == [
        "draft",
        "open",
        "partially_paid",
        "partially_paid",
        "partially_paid",
        "uncollectible",
    ]
    assert updates[2]["data"] == part
    assert updates[-1]["data"] == await fetch(api, created["id"])
    everything = await events_of(api, resourceId=created["id"])
    assert len(everything) == 1 + len(updates) + 4  # created; finalized, partially_paid, sent, uncollectible


async def test_refused_invoice_requests_record_nothing(api: Api) -> None:
    customer_id = await customer(api)
    assert invalid_fields(await api.post(INVOICES, json=lines_body(customer_id, total=1))) == [
        ("total", "totals_mismatch")
    ]
    created = await draft(api, customer_id)
    url = f"{INVOICES}/{created['id']}"
    assert error_code(await api.post(f"{url}/void"), 409) == "invoice_not_finalized"
    assert error_code(await api.post(f"{url}/credit", json={}), 409) == "invoice_not_creditable"
    await api.post(f"{url}/finalize")
    assert error_code(await api.post(f"{url}/finalize"), 409) == "invoice_not_draft"
    assert error_code(await api.delete(url), 409) == "invoice_not_draft"
    assert error_code(await api.patch(url, json={"note": "late"}), 409) == "invoice_not_draft"
    assert await happened(api, resource="invoice") == [
        ("invoice.created", created["id"]),
        ("invoice.finalized", created["id"]),
        ("invoice.updated", created["id"]),
    ]
