"""The test gateway's cards: tokenization, the documented numbers and their outcomes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.errors import ValidationFailed
from faktura.models import PaymentIntent
from faktura.payments.gateways import get_test_gateway
from faktura.payments.gateways.cards import brand_of, check_card
from faktura.payments.gateways.test import TestGateway
from tests.asserts import invalid_fields
from tests.factories import Api
from tests.payments.support import confirm, new_intent

NEXT_YEAR = datetime.now(UTC).year + 1
GATEWAY = TestGateway("a-secret-key-for-the-card-tests")


@pytest.mark.parametrize(
    ("number", "status", "error"),
    [
        ("4242 4242 4242 4242", "succeeded", None),
        ("5555-5555-5555-4444", "succeeded", None),
        ("4000 0000 0000 0002", "requires_payment_method", "card_declined"),
        ("4000 0000 0000 9995", "requires_payment_method", "insufficient_funds"),
        ("4000 0000 0000 0069", "requires_payment_method", "expired_card"),
        ("4000 0027 6000 3184", "requires_action", None),
        ("4000 0000 0000 0077", "processing", None),
        # A valid number that is not a test card: declined, as a processor in test mode does.
        ("4111 1111 1111 1111", "requires_payment_method", "card_declined"),
    ],
)
async def test_each_test_card_gives_its_outcome(
    api: Api, settings: Settings, number: str, status: str, error: str | None
) -> None:
    token = get_test_gateway(settings).tokenize_card(number, 12, NEXT_YEAR, "123")
    digits = number.replace(" ", "").replace("-", "")
    assert token.startswith("tok_")
    assert digits not in token
    intent = await new_intent(api)
    answer = (await confirm(api, intent["id"], token)).json()
    assert answer["status"] == status
    assert (answer["lastError"] or {}).get("code") == error
    assert answer["paymentMethod"] == {
        "type": "card",
        "brand": brand_of(digits),
        "last4": digits[-4:],
        "expMonth": 12,
        "expYear": NEXT_YEAR,
    }


def _problems(number: str, month: int, year: int, cvc: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        GATEWAY.tokenize_card(number, month, year, cvc)
    return [(d.field, d.code) for d in caught.value.details]


def test_bad_card_details_are_each_named() -> None:
    assert _problems("4242 4242 4242 4241", 12, NEXT_YEAR, "123") == [("number", "card_number_invalid")]
    assert _problems("4242", 12, NEXT_YEAR, "123") == [("number", "card_number_invalid")]
    assert _problems("4242a424242424242", 12, NEXT_YEAR, "123") == [("number", "card_number_invalid")]
    assert _problems("4242424242424242", 13, NEXT_YEAR, "123") == [("expMonth", "expiry_month_invalid")]
    assert _problems("4242424242424242", 1, 1999, "123") == [("expYear", "expiry_year_invalid")]
    assert _problems("4242424242424242", 1, NEXT_YEAR - 2, "123") == [("expYear", "card_expired")]
    assert _problems("4242424242424242", 12, NEXT_YEAR, "12") == [("cvc", "cvc_invalid")]
    assert _problems("378282246310005", 12, NEXT_YEAR, "123") == [("cvc", "cvc_invalid")]  # amex: 4 digits
    assert _problems("1234", 0, 150, "x") == [
        ("number", "card_number_invalid"),
        ("expMonth", "expiry_month_invalid"),
        ("expYear", "expiry_year_invalid"),
        ("cvc", "cvc_invalid"),
    ]


def test_a_card_valid_this_month_and_a_two_digit_year_are_accepted() -> None:
    today = clock.now()
    assert check_card("4242424242424242", today.month, today.year, "123").exp_year == today.year
    assert check_card("4242424242424242", 12, NEXT_YEAR % 100, "123").exp_year == NEXT_YEAR


@given(
    body=st.text(alphabet="0123456789", min_size=14, max_size=14),
    month=st.integers(1, 12),
    years_ahead=st.integers(1, 20),
)
def test_any_valid_card_keeps_only_brand_last4_and_expiry(body: str, month: int, years_ahead: int) -> None:
    digits = "4" + body
    digits += luhn.calc_check_digit(digits)
    year = NEXT_YEAR + years_ahead - 1
    token = GATEWAY.tokenize_card(digits, month, year, "999")
    assert digits not in token
    body = token.removeprefix("tok_").split(".")[0]
    payload = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert set(payload) == {"o", "brand", "last4", "expMonth", "expYear", "iat"}  # no number, no CVC
    outcome, card = GATEWAY.read_token(token)
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", digits[-4:], month, year)
    assert outcome.value in ("success", "decline")


def test_a_token_from_another_deployment_or_tampered_with_is_refused() -> None:
    token = GATEWAY.tokenize_card("4242424242424242", 12, NEXT_YEAR, "123")
    other = TestGateway("another-deployments-secret")
    for bad in (token[:-1] + ("0" if token[-1] != "0" else "1"), token.replace("tok_", "tok_x")):
        with pytest.raises(ValidationFailed):
            GATEWAY.read_token(bad)
    with pytest.raises(ValidationFailed):
        other.read_token(token)


async def test_a_card_token_expires_after_an_hour(api: Api, settings: Settings) -> None:
    token = get_test_gateway(settings).tokenize_card("4242424242424242", 12, NEXT_YEAR, "123")
    intent = await new_intent(api)
    clock.freeze(clock.now() + timedelta(minutes=61))
    try:
        response = await confirm(api, intent["id"], token)
    finally:
        clock.freeze(None)
    assert invalid_fields(response) == [("paymentMethodToken", "payment_method_expired")]
    assert (await confirm(api, intent["id"], token)).json()["status"] == "succeeded"


def test_brands() -> None:
    assert brand_of("4242424242424242") == "visa"
    assert brand_of("5555555555554444") == "mastercard"
    assert brand_of("2223003122003222") == "mastercard"
    assert brand_of("378282246310005") == "amex"
    assert brand_of("6011111111111117") == "unknown"


async def test_no_card_number_is_stored_anywhere(api: Api, database: Database, settings: Settings) -> None:
    number = "4000002760003184"
    token = get_test_gateway(settings).tokenize_card(number, 12, NEXT_YEAR, "321")
    intent = await new_intent(api)
    await confirm(api, intent["id"], token)
    async with database.transaction(write=False) as session:
        row = await session.get(PaymentIntent, intent["id"])
        assert row is not None
        stored = orjson.dumps({c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs}, default=str)
    assert row.payment_method == {
        "type": "card",
        "brand": "visa",
        "last4": "3184",
        "expMonth": 12,
        "expYear": NEXT_YEAR,
    }
    assert number.encode() not in stored
