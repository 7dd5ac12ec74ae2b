from __future__ import annotations

import asyncio
from typing import Any

import pytest

from faktura.kit.db import Database
from tests.asserts import all_pages, invalid_fields
from tests.factories import Api, customer_body, new_merchant, order_body, product, tax_rule_id


def _codes(response: Any) -> dict[str, str]:
    return {d["field"]: d["code"] for d in response.json()["error"]["details"]}


async def test_a_draft_order_has_every_figure_computed(api: Api) -> None:
    hour = await product(api, unitPrice=120000)  # 1,200.00 NOK at 25 %
    await api.created("/api/v1/Coupons", {"code": "TENOFF", "percentOff": "10"})
    customer = await api.created("/api/v1/Customers", customer_body())
    order = await api.created(
        "/api/v1/Orders",
        {
            "customerId": customer["id"],
            "currency": "NOK",
            "couponCode": "tenoff",
            "items": [
                {"productId": hour["id"], "quantity": "1.5"},
                {
                    "description": "Cookbook",
                    "quantity": "2",
                    "unitPrice": 24950,
                    "taxRate": "15",
                    "discount": 900,
                },
            ],
        },
    )
    assert order["status"] == "draft"
    assert order["couponCode"] == "TENOFF"
    first, second = order["items"]
    assert (first["netAmount"], first["unitPrice"], first["taxRate"], first["unitCode"]) == (
        180000,
        120000,
        "25",
        "HUR",
    )
    assert first["description"] == "Consulting hour"
    assert second["netAmount"] == 2 * 24950 - 900 == 49000
    assert order["subtotal"] == 229000
    # 10 % per VAT category: 18,000 of the 25 % lines, 4,900 of the 15 % line.
    assert order["discountTotal"] == 22900
    assert order["taxes"] == [
        {
            "category": "S",
            "rate": "25",
            "taxableAmount": 162000,
            "taxAmount": 40500,
            "allowanceAmount": 18000,
        },
        {"category": "S", "rate": "15", "taxableAmount": 44100, "taxAmount": 6615, "allowanceAmount": 4900},
    ]
    assert order["taxExclusiveAmount"] == 206100
    assert order["taxTotal"] == 47115
    assert order["total"] == order["taxInclusiveAmount"] == 253215
    assert first["taxAmount"] + second["taxAmount"] == 47115
    assert order["quote"]["language"] == "no"
    assert order["quote"]["formatted"]["total"] == "2\xa0532,15\xa0kr"


async def test_vat_inclusive_prices_keep_the_total_the_payer_saw(api: Api) -> None:
    order = await api.created(
        "/api/v1/Orders",
        order_body(
            pricesIncludeTax=True,
            items=[
                {"description": "Coffee", "quantity": "3", "unitPrice": 3990, "taxRate": "15"},
                {"description": "Mug", "quantity": "1", "unitPrice": 14900, "taxRate": "25"},
            ],
        ),
    )
    assert order["total"] == 3 * 3990 + 14900
    assert order["taxExclusiveAmount"] + order["taxTotal"] + order["roundingAmount"] == order["total"]
    assert [t["taxableAmount"] for t in order["taxes"]] == [11920, 10409]


@pytest.mark.parametrize(
    ("currency", "unit_price", "total"),
    [("JPY", 1200, 1500), ("BHD", 12345, 15431), ("EUR", 999, 1249)],
)
async def test_currencies_with_zero_two_and_three_decimals(
    api: Api, currency: str, unit_price: int, total: int
) -> None:
    assert (await api.put(f"/api/v1/Currencies/{currency}", json={"accepted": True})).status_code == 200
    body = {"currency": currency, "items": [{"description": "X", "unitPrice": unit_price, "taxRate": "25"}]}
    order = await api.created("/api/v1/Orders", body)
    assert (order["currency"], order["total"]) == (currency, total)


async def test_a_currency_the_merchant_does_not_accept_is_refused(api: Api) -> None:
    response = await api.post("/api/v1/Orders", json=order_body(currency="SEK"))
    assert response.status_code == 422
    assert _codes(response) == {"currency": "currency_not_accepted"}
    unknown = await api.post("/api/v1/Orders", json=order_body(currency="XYZ"))
    assert _codes(unknown) == {"currency": "unsupported_currency"}


async def test_the_currency_defaults_to_the_merchants(api: Api) -> None:
    body = order_body()
    del body["currency"]
    assert (await api.created("/api/v1/Orders", body))["currency"] == "NOK"


async def test_totals_sent_by_the_client_are_checked(api: Api) -> None:
    right = await api.created("/api/v1/Orders", order_body())
    body = order_body(total=right["total"], taxTotal=right["taxTotal"], subtotal=right["subtotal"])
    assert (await api.post("/api/v1/Orders", json=body)).status_code == 201
    wrong = await api.post("/api/v1/Orders", json=order_body(total=right["total"] + 1, taxTotal=1))
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "validation_error"
    assert _codes(wrong) == {"total": "totals_mismatch", "taxTotal": "totals_mismatch"}


async def test_line_figures_sent_by_the_client_are_checked(api: Api) -> None:
    body = order_body()
    body["items"][0]["netAmount"] = 20000
    body["items"][1]["netAmount"] = 1
    response = await api.post("/api/v1/Orders", json=body)
    assert _codes(response) == {"items[1].netAmount": "totals_mismatch"}


async def test_a_catalog_price_cannot_be_overridden(api: Api) -> None:
    hour = await product(api, unitPrice=120000)
    response = await api.post(
        "/api/v1/Orders",
        json=order_body(items=[{"productId": hour["id"], "quantity": "1", "unitPrice": 100}]),
    )
    assert _codes(response) == {"items[0].unitPrice": "unit_price_mismatch"}
    same = order_body(items=[{"productId": hour["id"], "quantity": "1", "unitPrice": 120000}])
    assert (await api.post("/api/v1/Orders", json=same)).status_code == 201


async def test_a_vat_inclusive_catalog_price_is_converted_for_a_net_order(api: Api) -> None:
    cup = await product(api, unitPrice=12500, pricesIncludeTax=True)
    order = await api.created("/api/v1/Orders", order_body(items=[{"productId": cup["id"]}]))
    assert order["items"][0]["unitPrice"] == 10000
    assert order["total"] == 12500


async def test_every_bad_line_is_reported_at_once(api: Api, database: Database) -> None:
    other = await new_merchant(api.client, database)
    foreign = await product(other)
    archived = await product(api)
    await api.delete(f"/api/v1/Products/{archived['id']}")
    rule = await tax_rule_id(api, "25")
    response = await api.post(
        "/api/v1/Orders",
        json=order_body(
            items=[
                {"productId": foreign["id"]},
                {"productId": archived["id"]},
                {"description": "No tax", "unitPrice": 100},
                {"description": "Both", "unitPrice": 100, "taxRate": "25", "taxRuleId": rule},
                {"unitPrice": 100, "taxRate": "25"},
                {"description": "No price", "taxRate": "25"},
                {"description": "Zero S", "unitPrice": 100, "taxRate": "0", "taxCategory": "S"},
            ]
        ),
    )
    assert response.status_code == 422
    assert _codes(response) == {
        "items[0].productId": "product_not_found",
        "items[1].productId": "product_inactive",
        "items[2].taxRuleId": "required",
        "items[3].taxRate": "conflicting_tax",
        "items[4].description": "required",
        "items[5].unitPrice": "required",
    }


async def test_request_shape_errors_name_the_field(api: Api) -> None:
    response = await api.post("/api/v1/Orders", json={"currency": "NOK", "items": []})
    assert _codes(response) == {"items": "too_short"}
    response = await api.post(
        "/api/v1/Orders",
        json={"items": [{"description": "X", "unitPrice": -1, "quantity": "0", "taxRate": "25"}]},
    )
    assert _codes(response) == {"items[0].unitPrice": "too_small", "items[0].quantity": "too_small"}
    response = await api.post("/api/v1/Orders", json=order_body(surprise=1))
    assert _codes(response) == {"surprise": "unknown_field"}


async def test_vat_rules_of_en16931_are_enforced(api: Api) -> None:
    zero_standard = order_body(
        items=[{"description": "X", "unitPrice": 100, "taxRate": "0", "taxCategory": "S"}]
    )
    assert _codes(await api.post("/api/v1/Orders", json=zero_standard)) == {
        "items[0].taxRate": "invalid_tax_rate"
    }
    mixed = order_body(
        items=[
            {
                "description": "Outside scope",
                "unitPrice": 100,
                "taxRate": "0",
                "taxCategory": "O",
                "taxExemptionReason": "Not subject to VAT",
            },
            {"description": "Normal", "unitPrice": 100, "taxRate": "25"},
        ]
    )
    response = await api.post("/api/v1/Orders", json=mixed)
    assert "vat_category_o_exclusive" in _codes(response).values()


async def test_references_must_belong_to_the_merchant(api: Api, database: Database) -> None:
    other = await new_merchant(api.client, database)
    theirs = await other.created("/api/v1/Customers", customer_body())
    cycle = await other.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    response = await api.post(
        "/api/v1/Orders",
        json=order_body(customerId=theirs["id"], billingCycleId=cycle["id"], couponCode="NOPE"),
    )
    assert _codes(response) == {
        "customerId": "customer_not_found",
        "billingCycleId": "billing_cycle_not_found",
        "couponCode": "coupon_not_found",
    }


async def test_a_billing_cycle_is_kept_on_the_order(api: Api) -> None:
    cycle = await api.created(
        "/api/v1/BillingCycles", {"name": "Quarterly", "interval": "month", "intervalCount": 3}
    )
    order = await api.created("/api/v1/Orders", order_body(billingCycleId=cycle["id"]))
    assert order["billingCycleId"] == cycle["id"]
    await api.delete(f"/api/v1/BillingCycles/{cycle['id']}")
    response = await api.post("/api/v1/Orders", json=order_body(billingCycleId=cycle["id"]))
    assert _codes(response) == {"billingCycleId": "billing_cycle_archived"}


async def test_a_coupon_with_one_redemption_serves_one_order_until_it_is_cancelled(api: Api) -> None:
    await api.created(
        "/api/v1/Coupons", {"code": "ONCE", "amountOff": 5000, "currency": "NOK", "maxRedemptions": 1}
    )
    first = await api.created("/api/v1/Orders", order_body(couponCode="ONCE"))
    assert first["discountTotal"] > 0
    second = await api.post("/api/v1/Orders", json=order_body(couponCode="ONCE"))
    assert _codes(second) == {"couponCode": "coupon_exhausted"}
    await api.post(f"/api/v1/Orders/{first['id']}/cancel")
    assert (await api.post("/api/v1/Orders", json=order_body(couponCode="ONCE"))).status_code == 201


async def test_a_draft_can_be_changed_and_is_recomputed(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body(reference="PO-1"))
    await api.created("/api/v1/Coupons", {"code": "HALF", "percentOff": "50"})
    response = await api.patch(
        f"/api/v1/Orders/{order['id']}",
        json={
            "couponCode": "HALF",
            "items": [{"description": "Only line", "unitPrice": 10000, "taxRate": "25"}],
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["reference"] == "PO-1"
    assert [i["description"] for i in changed["items"]] == ["Only line"]
    assert (changed["subtotal"], changed["discountTotal"], changed["total"]) == (10000, 5000, 6250)
    coupon = (await api.get("/api/v1/Coupons", params={"limit": 1})).json()["data"][0]
    assert coupon["timesRedeemed"] == 1
    cleared = (await api.patch(f"/api/v1/Orders/{order['id']}", json={"couponCode": None})).json()
    assert (cleared["couponCode"], cleared["total"]) == (None, 12500)
    coupon = (await api.get(f"/api/v1/Coupons/{coupon['id']}")).json()
    assert coupon["timesRedeemed"] == 0


async def test_a_cancelled_order_cannot_change_or_cancel_again(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body())
    cancelled = await api.post(f"/api/v1/Orders/{order['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    again = await api.post(f"/api/v1/Orders/{order['id']}/cancel")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_order_transition"
    edit = await api.patch(f"/api/v1/Orders/{order['id']}", json={"reference": "late"})
    assert edit.status_code == 409
    assert edit.json()["error"]["code"] == "order_not_draft"


async def test_a_missing_or_foreign_order_is_a_404(api: Api, database: Database) -> None:
    other = await new_merchant(api.client, database)
    order = await api.created("/api/v1/Orders", order_body())
    for response in (
        await other.get(f"/api/v1/Orders/{order['id']}"),
        await other.post(f"/api/v1/Orders/{order['id']}/cancel"),
        await other.patch(f"/api/v1/Orders/{order['id']}", json={"reference": "x"}),
        await api.get("/api/v1/Orders/ord_nothing"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "order_not_found"


async def test_orders_list_by_status_and_customer_in_pages(api: Api) -> None:
    customer = await api.created("/api/v1/Customers", customer_body())
    made = [
        (await api.created("/api/v1/Orders", order_body(customerId=customer["id"])))["id"] for _ in range(5)
    ]
    await api.created("/api/v1/Orders", order_body())
    await api.post(f"/api/v1/Orders/{made[0]}/cancel")
    pages = await all_pages(api, "/api/v1/Orders", limit=2, customerId=customer["id"])
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [o for page in pages for o in page] == list(reversed(made))
    drafts = (await api.get("/api/v1/Orders", params={"status": "cancelled"})).json()["data"]
    assert [o["id"] for o in drafts] == [made[0]]
    bad = await api.get("/api/v1/Orders", params={"cursor": "!!"})
    assert bad.status_code == 422


async def test_list_filters_take_timestamps_without_a_zone_as_utc(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body())
    day = order["createdAt"][:10]
    for params in ({"createdFrom": f"{day}T00:00:00"}, {"createdTo": "2999-01-01"}, {"createdFrom": day}):
        response = await api.get("/api/v1/Orders", params=params)
        assert response.status_code == 200, response.text
        assert [o["id"] for o in response.json()["data"]] == [order["id"]]
    later = await api.get("/api/v1/Orders", params={"createdFrom": "2999-01-01T00:00:00+02:00"})
    assert later.json()["data"] == []


async def test_a_draft_keeps_its_coupon_when_the_coupon_runs_out_or_is_archived(api: Api) -> None:
    coupon = await api.created("/api/v1/Coupons", {"code": "LAST", "percentOff": "20", "maxRedemptions": 1})
    order = await api.created("/api/v1/Orders", order_body(couponCode="LAST"))
    renamed = await api.patch(f"/api/v1/Orders/{order['id']}", json={"reference": "PO-7"})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["couponCode"], renamed.json()["total"]) == ("LAST", order["total"])
    await api.delete(f"/api/v1/Coupons/{coupon['id']}")
    again = await api.patch(f"/api/v1/Orders/{order['id']}", json={"description": "still discounted"})
    assert again.status_code == 200, again.text
    assert again.json()["discountTotal"] == order["discountTotal"]
    assert (await api.get(f"/api/v1/Coupons/{coupon['id']}")).json()["timesRedeemed"] == 1


async def test_a_patch_without_items_keeps_the_prices_the_lines_were_given(api: Api) -> None:
    basket = await product(api, unitPrice=34900)
    order = await api.created(
        "/api/v1/Orders", order_body(items=[{"productId": basket["id"], "quantity": "2"}])
    )
    await api.patch(f"/api/v1/Products/{basket['id']}", json={"unitPrice": 37900})
    await api.delete(f"/api/v1/Products/{basket['id']}")
    changed = await api.patch(f"/api/v1/Orders/{order['id']}", json={"reference": "WEB-88121"})
    assert changed.status_code == 200, changed.text
    line = changed.json()["items"][0]
    assert (line["unitPrice"], line["priceId"]) == (34900, order["items"][0]["priceId"])
    assert changed.json()["total"] == order["total"]


async def test_a_new_price_basis_needs_the_items_again(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body())
    for change in ({"pricesIncludeTax": True}, {"currency": "EUR"}):
        response = await api.patch(f"/api/v1/Orders/{order['id']}", json=change)
        assert _codes(response) == {"items": "required"}
    assert _codes(await api.patch(f"/api/v1/Orders/{order['id']}", json={"currency": None})) == {
        "currency": "required"
    }
    inclusive = await api.patch(
        f"/api/v1/Orders/{order['id']}", json={"pricesIncludeTax": True, "items": order_body()["items"]}
    )
    assert inclusive.json()["total"] == 2 * 10000 + 20000


async def test_an_expiry_in_the_past_is_refused(api: Api) -> None:
    response = await api.post("/api/v1/Orders", json=order_body(expiresAt="2020-01-01T00:00:00"))
    assert _codes(response) == {"expiresAt": "in_past"}
    order = await api.created("/api/v1/Orders", order_body(expiresAt="2999-01-01T12:00:00"))
    assert order["expiresAt"] == "2999-01-01T12:00:00Z"


async def test_a_line_without_vat_says_why(api: Api) -> None:
    exempt = {"description": "Course", "unitPrice": 50000, "taxRate": "0", "taxCategory": "E"}
    response = await api.post("/api/v1/Orders", json=order_body(items=[exempt]))
    assert _codes(response) == {"items[0].taxExemptionReason": "required"}
    exempt["taxExemptionReason"] = "Education, exempt under the VAT Act section 3-5"
    order = await api.created("/api/v1/Orders", order_body(items=[exempt]))
    assert order["items"][0]["taxExemptionReason"] == exempt["taxExemptionReason"]
    assert order["total"] == 50000
    rule = await api.created(
        "/api/v1/TaxRules",
        {"name": "Export", "rate": "0", "category": "G", "exemptionReason": "Export outside EEA"},
    )
    exported = await api.created(
        "/api/v1/Orders",
        order_body(items=[{"description": "Ship", "unitPrice": 100, "taxRuleId": rule["id"]}]),
    )
    assert exported["items"][0]["taxExemptionReason"] == "Export outside EEA"


async def test_concurrent_orders_never_exceed_a_coupons_limit(api: Api) -> None:
    await api.created("/api/v1/Coupons", {"code": "FIVE", "percentOff": "5", "maxRedemptions": 5})
    responses = await asyncio.gather(
        *(api.post("/api/v1/Orders", json=order_body(couponCode="FIVE")) for _ in range(20))
    )
    assert sorted(r.status_code for r in responses) == [201] * 5 + [422] * 15
    for refused in (r for r in responses if r.status_code == 422):
        assert _codes(refused) == {"couponCode": "coupon_exhausted"}
    coupon = (await api.get("/api/v1/Coupons", params={"limit": 1})).json()["data"][0]
    assert coupon["timesRedeemed"] == 5


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"quantity": "1_000"}, ("items[0].quantity", "decimal_parsing")),
        ({"quantity": "\u0662"}, ("items[0].quantity", "decimal_parsing")),
        ({"quantity": "\uff12"}, ("items[0].quantity", "decimal_parsing")),
        ({"quantity": "2e0"}, ("items[0].quantity", "decimal_parsing")),
        ({"quantity": "NaN"}, ("items[0].quantity", "decimal_parsing")),
        ({"taxRate": "2_5"}, ("items[0].taxRate", "decimal_parsing")),
        ({"description": "Widget\u202e"}, ("items[0].description", "invalid_text")),
        ({"description": "Widget\nDeluxe"}, ("items[0].description", "invalid_text")),
        (
            {"taxCategory": "E", "taxRate": "0", "taxExemptionReason": "\u2067x"},
            ("items[0].taxExemptionReason", "invalid_text"),
        ),
    ],
)
async def test_numbers_and_texts_of_a_line_are_what_they_claim(
    api: Api, item: dict[str, Any], expected: tuple[str, str]
) -> None:
    body = order_body()
    body["items"][0].update(item)
    assert invalid_fields(await api.post("/api/v1/Orders", json=body)) == [expected]


async def test_an_order_description_may_have_lines_but_no_bidi_controls(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body(description="Pick-up\r\n\tat the back door"))
    assert order["description"] == "Pick-up\r\n\tat the back door"
    response = await api.post("/api/v1/Orders", json=order_body(reference="PO\u202e77"))
    assert invalid_fields(response) == [("reference", "invalid_text")]
