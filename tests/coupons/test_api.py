"""Coupons over HTTP: creation rules, `POST /Coupons/validate` reasons, redemptions reserved by orders.

Expiry is tested by freezing `faktura.kit.clock` past `redeemBy`; the fixture always releases it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from faktura.kit import clock
from faktura.kit.db import Database
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, new_merchant, order_body, product

URL = "/api/v1/Coupons"
VALIDATE = "/api/v1/Coupons/validate"
ORDERS = "/api/v1/Orders"


def coupon_body(**overrides: Any) -> dict[str, Any]:
    return {"code": "SPRING", "percentOff": "10", **overrides}


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def validate(api: Api, code: str = "SPRING", **fields: Any) -> dict[str, Any]:
    response = await api.post(VALIDATE, json={"code": code, **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def reason(api: Api, code: str = "SPRING", **fields: Any) -> str | None:
    return (await validate(api, code, **fields))["reason"]


@pytest.fixture
def freeze() -> Iterator[Callable[[datetime], None]]:
    try:
        yield clock.freeze
    finally:
        clock.freeze(None)


# Create


async def test_percent_coupon_answers_its_fields(api: Api) -> None:
    coupon = await api.created(URL, coupon_body(code="spring-25", name="Spring sale", percentOff="12.5"))

    assert coupon["id"].startswith("cpn_")
    assert {k: v for k, v in coupon.items() if k not in ("id", "createdAt")} == {
        "code": "SPRING-25",
        "name": "Spring sale",
        "percentOff": "12.5",
        "amountOff": None,
        "currency": None,
        "duration": "once",
        "durationInCycles": None,
        "maxRedemptions": None,
        "timesRedeemed": 0,
        "redeemBy": None,
        "productIds": [],
        "active": True,
    }
    assert (await api.get(f"{URL}/{coupon['id']}")).json() == coupon


async def test_amount_coupon_repeating_with_limits(api: Api) -> None:
    item = await product(api)
    redeem_by = datetime.now(UTC) + timedelta(days=30)

    coupon = await api.created(
        URL,
        {
            "code": "WELCOME",
            "amountOff": 5000,
            "currency": "nok",
            "duration": "repeating",
            "durationInCycles": 3,
            "maxRedemptions": 100,
            "redeemBy": redeem_by.isoformat(),
            "productIds": [item["id"], item["id"]],
        },
    )

    assert (coupon["percentOff"], coupon["amountOff"], coupon["currency"]) == (None, 5000, "NOK")
    assert (coupon["duration"], coupon["durationInCycles"], coupon["maxRedemptions"]) == ("repeating", 3, 100)
    assert moment(coupon["redeemBy"]) == redeem_by
    assert coupon["productIds"] == [item["id"]]


async def test_forever_coupon(api: Api) -> None:
    coupon = await api.created(URL, coupon_body(duration="forever", percentOff="100"))

    assert (coupon["duration"], coupon["percentOff"]) == ("forever", "100")


async def test_redeem_by_without_a_zone_is_read_as_utc(api: Api) -> None:
    later = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None, microsecond=0)

    coupon = await api.created(URL, coupon_body(redeemBy=later.isoformat()))

    assert moment(coupon["redeemBy"]) == later.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"amountOff": 100}, [("percentOff", "invalid_coupon"), ("currency", "required")]),
        ({"percentOff": None}, [("percentOff", "invalid_coupon")]),
        ({"percentOff": None, "amountOff": 100}, [("currency", "required")]),
        ({"percentOff": None, "amountOff": 100, "currency": "XAU"}, [("currency", "unsupported_currency")]),
        ({"currency": "NOK"}, [("currency", "not_allowed")]),
        ({"duration": "repeating"}, [("durationInCycles", "required")]),
        ({"durationInCycles": 3}, [("durationInCycles", "not_allowed")]),
        ({"duration": "forever", "durationInCycles": 3}, [("durationInCycles", "not_allowed")]),
        ({"redeemBy": "2020-01-01T00:00:00Z"}, [("redeemBy", "in_past")]),
        ({"productIds": ["prod_b", "prod_a"]}, [("productIds", "product_not_found")] * 2),
        ({"percentOff": "0"}, [("percentOff", "too_small")]),
        ({"percentOff": "100.01"}, [("percentOff", "too_large")]),
        ({"percentOff": "12.34567"}, [("percentOff", "decimal_max_places")]),
        ({"percentOff": None, "amountOff": 0, "currency": "NOK"}, [("amountOff", "too_small")]),
        ({"duration": "weekly"}, [("duration", "invalid_choice")]),
        ({"maxRedemptions": 0}, [("maxRedemptions", "too_small")]),
        ({"code": "spring sale"}, [("code", "string_pattern_mismatch")]),
        ({"code": "-SPRING"}, [("code", "string_pattern_mismatch")]),
        ({"timesRedeemed": 5}, [("timesRedeemed", "unknown_field")]),
    ],
)
async def test_bad_coupon_fields_are_named(
    api: Api, overrides: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    response = await api.post(URL, json=coupon_body(**overrides))

    assert invalid_fields(response) == expected


async def test_another_merchants_product_is_not_found_for_a_coupon(api: Api, database: Database) -> None:
    other = await new_merchant(api.client, database)
    theirs = await product(other)

    response = await api.post(URL, json=coupon_body(productIds=[theirs["id"]]))

    assert invalid_fields(response) == [("productIds", "product_not_found")]


async def test_a_code_is_taken_whatever_its_case(api: Api) -> None:
    await api.created(URL, coupon_body(code="SPRING"))

    response = await api.post(URL, json=coupon_body(code="spring"))

    assert error_code(response, 409) == "coupon_code_taken"


async def test_two_merchants_may_use_the_same_code(api: Api, database: Database) -> None:
    await api.created(URL, coupon_body())
    other = await new_merchant(api.client, database)

    theirs = await other.created(URL, coupon_body())

    assert theirs["code"] == "SPRING"


# Validate


async def test_a_usable_coupon_is_valid_whatever_the_case_of_its_code(api: Api) -> None:
    coupon = await api.created(URL, coupon_body())

    answer = await validate(api, "spring", currency="NOK")

    assert answer == {"valid": True, "reason": None, "message": None, "coupon": coupon}


async def test_an_unknown_code_is_not_found(api: Api) -> None:
    answer = await validate(api, "nope")

    assert answer == {
        "valid": False,
        "reason": "coupon_not_found",
        "message": "No coupon with code 'nope'.",
        "coupon": None,
    }


async def test_another_merchants_code_is_not_found(api: Api, database: Database) -> None:
    await api.created(URL, coupon_body())
    other = await new_merchant(api.client, database)

    assert await reason(other) == "coupon_not_found"
    assert invalid_fields(await other.post(ORDERS, json=order_body(couponCode="SPRING"))) == [
        ("couponCode", "coupon_not_found")
    ]


async def test_a_deactivated_coupon_is_inactive(api: Api) -> None:
    coupon = await api.created(URL, coupon_body())

    deleted = await api.delete(f"{URL}/{coupon['id']}")
    answer = await validate(api)

    assert deleted.status_code == 204
    assert (answer["valid"], answer["reason"]) == (False, "coupon_inactive")
    assert answer["message"] == "Coupon 'SPRING' is no longer active."
    assert answer["coupon"] == coupon | {"active": False}


async def test_patch_active_turns_a_coupon_off_and_on(api: Api) -> None:
    coupon = await api.created(URL, coupon_body())

    await api.patch(f"{URL}/{coupon['id']}", json={"active": False})
    off = await reason(api)
    await api.patch(f"{URL}/{coupon['id']}", json={"active": True})

    assert off == "coupon_inactive"
    assert await reason(api) is None


async def test_a_coupon_past_redeem_by_is_expired(api: Api, freeze: Callable[[datetime], None]) -> None:
    redeem_by = datetime.now(UTC) + timedelta(seconds=5)
    await api.created(URL, coupon_body(redeemBy=redeem_by.isoformat()))
    before = await reason(api)

    freeze(redeem_by)
    at_expiry = await validate(api)
    order = await api.post(ORDERS, json=order_body(couponCode="SPRING"))

    assert before is None
    assert (at_expiry["valid"], at_expiry["reason"]) == (False, "coupon_expired")
    assert at_expiry["message"] == "Coupon 'SPRING' expired."
    assert invalid_fields(order) == [("couponCode", "coupon_expired")]


async def test_clearing_redeem_by_makes_an_expired_coupon_valid(
    api: Api, freeze: Callable[[datetime], None]
) -> None:
    redeem_by = datetime.now(UTC) + timedelta(seconds=5)
    coupon = await api.created(URL, coupon_body(redeemBy=redeem_by.isoformat()))
    freeze(redeem_by + timedelta(days=1))

    updated = (await api.patch(f"{URL}/{coupon['id']}", json={"redeemBy": None})).json()

    assert updated["redeemBy"] is None
    assert await reason(api) is None


async def test_an_order_reserves_a_redemption_until_the_coupon_is_exhausted(api: Api) -> None:
    coupon = await api.created(URL, coupon_body(maxRedemptions=1))

    await api.created(ORDERS, order_body(couponCode="spring"))
    answer = await validate(api)
    second = await api.post(ORDERS, json=order_body(couponCode="SPRING"))

    assert (await api.get(f"{URL}/{coupon['id']}")).json()["timesRedeemed"] == 1
    assert (answer["valid"], answer["reason"]) == (False, "coupon_exhausted")
    assert answer["message"] == "Coupon 'SPRING' has been fully redeemed."
    assert answer["coupon"]["timesRedeemed"] == 1
    assert invalid_fields(second) == [("couponCode", "coupon_exhausted")]


async def test_cancelling_the_order_gives_the_redemption_back(api: Api) -> None:
    coupon = await api.created(URL, coupon_body(maxRedemptions=1))
    order = await api.created(ORDERS, order_body(couponCode="SPRING"))

    cancelled = await api.post(f"{ORDERS}/{order['id']}/cancel")

    assert cancelled.status_code == 200, cancelled.text
    assert (await api.get(f"{URL}/{coupon['id']}")).json()["timesRedeemed"] == 0
    assert await reason(api) is None


async def test_raising_max_redemptions_revives_an_exhausted_coupon(api: Api) -> None:
    coupon = await api.created(URL, coupon_body(maxRedemptions=1))
    await api.created(ORDERS, order_body(couponCode="SPRING"))

    updated = (await api.patch(f"{URL}/{coupon['id']}", json={"maxRedemptions": 2})).json()

    assert (updated["maxRedemptions"], updated["timesRedeemed"]) == (2, 1)
    assert await reason(api) is None


async def test_max_redemptions_cannot_go_below_the_redemptions_made(api: Api) -> None:
    coupon = await api.created(URL, coupon_body(maxRedemptions=2))
    await api.created(ORDERS, order_body(couponCode="SPRING"))
    await api.created(ORDERS, order_body(couponCode="SPRING"))

    response = await api.patch(f"{URL}/{coupon['id']}", json={"maxRedemptions": 1})

    assert invalid_fields(response) == [("maxRedemptions", "below_redemptions")]


async def test_an_amount_coupon_is_for_its_currency_only(api: Api) -> None:
    await api.created(URL, coupon_body(percentOff=None, amountOff=5000, currency="NOK"))

    answer = await validate(api, currency="EUR")

    assert (answer["valid"], answer["reason"]) == (False, "coupon_currency_mismatch")
    assert answer["message"] == "Coupon 'SPRING' is for NOK only."
    assert await reason(api, currency="nok") is None
    assert await reason(api) is None  # no currency given: nothing to compare


async def test_an_order_in_another_currency_cannot_use_an_amount_coupon(api: Api) -> None:
    await api.created(URL, coupon_body(percentOff=None, amountOff=5000, currency="NOK"))
    await api.put("/api/v1/Currencies/EUR", json={"accepted": True})

    response = await api.post(ORDERS, json=order_body(currency="EUR", couponCode="SPRING"))

    assert invalid_fields(response) == [("couponCode", "coupon_currency_mismatch")]


async def test_a_percent_coupon_fits_every_currency(api: Api) -> None:
    await api.created(URL, coupon_body())

    assert await reason(api, currency="EUR") is None


async def test_a_product_coupon_applies_only_when_one_of_its_products_is_bought(api: Api) -> None:
    included = await product(api, name="Included")
    excluded = await product(api, name="Excluded")
    await api.created(URL, coupon_body(productIds=[included["id"]]))

    answer = await validate(api, productIds=[excluded["id"]])

    assert (answer["valid"], answer["reason"]) == (False, "coupon_not_applicable")
    assert answer["message"] == "Coupon 'SPRING' applies to none of these products."
    assert await reason(api, productIds=[excluded["id"], included["id"]]) is None
    assert await reason(api, productIds=[]) is None


async def test_an_order_without_the_coupons_products_cannot_use_it(api: Api) -> None:
    included = await product(api, name="Included")
    await api.created(URL, coupon_body(productIds=[included["id"]]))

    response = await api.post(ORDERS, json=order_body(couponCode="SPRING"))

    assert invalid_fields(response) == [("couponCode", "coupon_not_applicable")]


async def test_bad_validate_requests_are_a_422(api: Api) -> None:
    response = await api.post(VALIDATE, json={"code": "", "currency": "kroner"})

    assert invalid_fields(response) == [("code", "too_short"), ("currency", "string_pattern_mismatch")]


# Update, list, tenancy


async def test_patch_changes_only_what_is_sent(api: Api) -> None:
    coupon = await api.created(URL, coupon_body(name="Spring", maxRedemptions=10))

    updated = (await api.patch(f"{URL}/{coupon['id']}", json={"name": "Spring sale"})).json()

    assert updated == coupon | {"name": "Spring sale"}


async def test_patch_null_clears_name_and_limit(api: Api) -> None:
    coupon = await api.created(URL, coupon_body(name="Spring", maxRedemptions=10))

    updated = (await api.patch(f"{URL}/{coupon['id']}", json={"name": None, "maxRedemptions": None})).json()

    assert (updated["name"], updated["maxRedemptions"]) == (None, None)


async def test_patch_cannot_clear_active(api: Api) -> None:
    coupon = await api.created(URL, coupon_body())

    response = await api.patch(f"{URL}/{coupon['id']}", json={"active": None})

    assert invalid_fields(response) == [("active", "required")]


async def test_patch_redeem_by_must_be_in_the_future(api: Api) -> None:
    coupon = await api.created(URL, coupon_body())

    response = await api.patch(f"{URL}/{coupon['id']}", json={"redeemBy": "2020-01-01T00:00:00Z"})

    assert invalid_fields(response) == [("redeemBy", "in_past")]
    assert (await api.get(f"{URL}/{coupon['id']}")).json() == coupon


@pytest.mark.parametrize("field", ["code", "percentOff", "amountOff", "currency", "duration", "productIds"])
async def test_the_discount_of_a_coupon_never_changes(api: Api, field: str) -> None:
    coupon = await api.created(URL, coupon_body())

    response = await api.patch(f"{URL}/{coupon['id']}", json={field: coupon[field]})

    assert invalid_fields(response) == [(field, "unknown_field")]


async def test_list_filters_coupons_by_active(api: Api) -> None:
    kept = await api.created(URL, coupon_body(code="KEPT"))
    off = await api.created(URL, coupon_body(code="OFF"))
    await api.delete(f"{URL}/{off['id']}")

    active = (await api.get(URL, params={"active": "true"})).json()["data"]
    inactive = (await api.get(URL, params={"active": "false"})).json()["data"]

    assert active == [kept]
    assert inactive == [off | {"active": False}]


async def test_coupon_pages_have_no_gaps_or_duplicates(api: Api) -> None:
    created = [(await api.created(URL, coupon_body(code=f"C{n}")))["id"] for n in range(5)]
    pages = await all_pages(api, URL, limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [cid for page in pages for cid in page] == created[::-1]


async def test_another_merchants_coupon_is_a_404(api: Api, database: Database) -> None:
    coupon = await api.created(URL, coupon_body())
    other = await new_merchant(api.client, database)
    path = f"{URL}/{coupon['id']}"

    assert error_code(await other.get(path), 404) == "coupon_not_found"
    assert error_code(await other.patch(path, json={"name": "Mine"}), 404) == "coupon_not_found"
    assert error_code(await other.delete(path), 404) == "coupon_not_found"
    assert (await other.get(URL)).json() == {"data": [], "nextCursor": None}
    assert (await api.get(path)).json() == coupon


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"percentOff": "1_0"}, ("percentOff", "decimal_parsing")),
        ({"percentOff": "\u0661\u0660"}, ("percentOff", "decimal_parsing")),
        ({"percentOff": "1e1"}, ("percentOff", "decimal_parsing")),
        ({"percentOff": "10", "name": "Spring\u202esale"}, ("name", "invalid_text")),
    ],
)
async def test_coupon_numbers_and_names_are_what_they_claim(
    api: Api, overrides: dict[str, Any], expected: tuple[str, str]
) -> None:
    response = await api.post(URL, json={"code": "SPRING", **overrides})
    assert invalid_fields(response) == [expected]
