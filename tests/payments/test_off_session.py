"""Charging a saved card without the payer (`payments.off_session`), as subscriptions will: each outcome
of the test gateway's cards, a detached method, an invoice paid already, and bad input."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.errors import FakturaError
from faktura.models import PaymentIntent
from faktura.payments.off_session import OffSessionResult, charge_off_session
from tests.factories import Api
from tests.invoices.helpers import assert_books_agree, customer, draft, fetch, finalized
from tests.payments.support import INTENTS, METHODS, ledger, saved_by_paying, stored_card


async def _charge(
    database: Database, settings: Settings, api: Api, invoice_id: str, method_id: str
) -> OffSessionResult:
    async with database.transaction() as session:
        return await charge_off_session(session, api.merchant_id, invoice_id, method_id, settings=settings)


async def _refused(database: Database, settings: Settings, api: Api, invoice_id: str, method_id: str) -> str:
    with pytest.raises(FakturaError) as refused:
        await _charge(database, settings, api, invoice_id, method_id)
    return refused.value.instance_code


async def _intents_of(database: Database, invoice_id: str) -> int:
    async with database.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(PaymentIntent).where(PaymentIntent.invoice_id == invoice_id)
        )
    return int(count or 0)


async def test_a_saved_card_pays_the_invoice_as_a_payer_on_the_page_would(
    api: Api, database: Database, settings: Settings
) -> None:
    # Saved by paying the customer's first invoice, so every payment here settles an invoice.
    customer_id = await customer(api)
    first = await finalized(api, customer_id)
    saving = await api.created(
        INTENTS,
        {
            "invoiceId": first["id"],
            "amount": first["amountDue"],
            "currency": first["currency"],
            "paymentMethodToken": "tok_success",
            "setupFutureUsage": "off_session",
        },
    )
    method = (await api.get(f"{METHODS}/{saving['paymentMethodId']}")).json()
    invoice = await finalized(api, customer_id)
    before = len(await ledger(database, api.merchant_id))
    result = await _charge(database, settings, api, invoice["id"], method["id"])
    assert result.status == "succeeded"
    assert (result.decline_code, result.hard_decline, result.action_url) == (None, False, None)
    assert result.payment_intent_id is not None
    intent = (await api.get(f"{INTENTS}/{result.payment_intent_id}")).json()
    assert (intent["invoiceId"], intent["amountReceived"], intent["paymentMethodId"]) == (
        invoice["id"],
        invoice["amountDue"],
        method["id"],
    )
    assert intent["paymentMethod"]["last4"] == "4242"
    paid = await fetch(api, invoice["id"])
    assert (paid["status"], paid["amountDue"]) == ("paid", 0)
    kinds = [entry.kind for entry in (await ledger(database, api.merchant_id))[before:]]
    assert kinds == ["payment_received", "payment_applied"]
    await assert_books_agree(database, api.merchant_id)
    events = (await api.get("/api/v1/Events", params={"limit": 100})).json()["data"]
    types = {(event["type"], event["resourceId"]) for event in events}
    assert {
        ("payment_intent.created", intent["id"]),
        ("payment_intent.succeeded", intent["id"]),
        ("invoice.paid", invoice["id"]),
    } <= types
    assert "payment.succeeded" in {event["type"] for event in events}


@pytest.mark.parametrize(
    ("token", "code", "hard"),
    [
        ("tok_decline", "card_declined", True),
        ("tok_insufficient_funds", "insufficient_funds", False),
        ("tok_expired", "expired_card", True),
    ],
)
async def test_a_decline_fails_the_charge_and_says_whether_retrying_can_help(
    api: Api, database: Database, settings: Settings, token: str, code: str, hard: bool
) -> None:
    customer_id = await customer(api)
    method_id = await stored_card(database, settings, api, customer_id, token)
    invoice = await finalized(api, customer_id)
    result = await _charge(database, settings, api, invoice["id"], method_id)
    assert (result.status, result.decline_code, result.hard_decline, result.action_url) == (
        "failed",
        code,
        hard,
        None,
    )
    intent = (await api.get(f"{INTENTS}/{result.payment_intent_id}")).json()
    assert (intent["status"], intent["lastError"]["code"], intent["paymentMethodId"]) == (
        "requires_payment_method",
        code,
        method_id,
    )
    assert (await fetch(api, invoice["id"]))["status"] == "open"


async def test_a_card_past_its_expiry_date_is_a_hard_decline(
    api: Api, database: Database, settings: Settings
) -> None:
    customer_id = await customer(api)
    long_ago = datetime(clock.now().year - 6, 1, 15, tzinfo=clock.now().tzinfo)
    method_id = await stored_card(database, settings, api, customer_id, "tok_success", saved_at=long_ago)
    method = (await api.get(f"{METHODS}/{method_id}")).json()
    assert method["expYear"] < clock.now().year
    invoice = await finalized(api, customer_id)
    result = await _charge(database, settings, api, invoice["id"], method_id)
    assert (result.status, result.decline_code, result.hard_decline) == ("failed", "expired_card", True)


async def test_three_d_secure_asks_for_the_payer_and_asking_again_charges_once(
    api: Api, database: Database, settings: Settings
) -> None:
    customer_id = await customer(api)
    method_id = await stored_card(database, settings, api, customer_id, "tok_3ds")
    invoice = await finalized(api, customer_id)
    result = await _charge(database, settings, api, invoice["id"], method_id)
    assert (result.status, result.decline_code, result.hard_decline) == ("requires_action", None, False)
    intent = (await api.get(f"{INTENTS}/{result.payment_intent_id}")).json()
    assert intent["status"] == "requires_action"
    assert result.action_url == intent["paymentUrl"]
    assert result.action_url is not None
    assert "/pay/pay_" in result.action_url
    again = await _charge(database, settings, api, invoice["id"], method_id)
    assert again == result
    assert await _intents_of(database, invoice["id"]) == 1
    assert (await fetch(api, invoice["id"]))["status"] == "open"


async def test_a_detached_method_is_never_charged(api: Api, database: Database, settings: Settings) -> None:
    method = await saved_by_paying(api)
    invoice = await finalized(api, method["customerId"])
    assert (await api.delete(f"{METHODS}/{method['id']}")).status_code == 200
    result = await _charge(database, settings, api, invoice["id"], method["id"])
    assert result == OffSessionResult("failed", None, "payment_method_detached", hard_decline=True)
    assert await _intents_of(database, invoice["id"]) == 0
    assert (await fetch(api, invoice["id"]))["status"] == "open"


async def test_an_invoice_paid_already_is_not_charged_again(
    api: Api, database: Database, settings: Settings
) -> None:
    method = await saved_by_paying(api)
    invoice = await finalized(api, method["customerId"])
    assert (await _charge(database, settings, api, invoice["id"], method["id"])).status == "succeeded"
    payments = len(await ledger(database, api.merchant_id))
    code = await _refused(database, settings, api, invoice["id"], method["id"])
    assert code == "invoice_already_paid"
    assert len(await ledger(database, api.merchant_id)) == payments
    assert await _intents_of(database, invoice["id"]) == 1


async def test_bad_input_is_refused_with_its_code_and_leaves_nothing(
    api: Api, database: Database, settings: Settings
) -> None:
    method = await saved_by_paying(api)
    invoice = await finalized(api, method["customerId"])
    assert await _refused(database, settings, api, invoice["id"], "pm_missing") == "payment_method_not_found"
    assert await _refused(database, settings, api, "inv_missing", method["id"]) == "invoice_not_found"
    someone_else = await finalized(api)
    assert (
        await _refused(database, settings, api, someone_else["id"], method["id"])
        == "payment_method_not_of_customer"
    )
    unfinished = await draft(api, method["customerId"])
    assert await _refused(database, settings, api, unfinished["id"], method["id"]) == "invoice_not_finalized"
    for invoice_id in (invoice["id"], someone_else["id"], unfinished["id"]):
        assert await _intents_of(database, invoice_id) == 0
