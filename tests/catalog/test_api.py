"""Catalog over HTTP: currencies a merchant accepts, billing cycles, products and their immutable prices."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from faktura.kit.db import Database
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, new_merchant, product, tax_rule_id

CURRENCIES = "/api/v1/Currencies"
CYCLES = "/api/v1/BillingCycles"
PRODUCTS = "/api/v1/Products"
ORDERS = "/api/v1/Orders"


async def accept(api: Api, code: str, accepted: bool = True) -> httpx.Response:
    return await api.put(f"{CURRENCIES}/{code}", json={"accepted": accepted})


def cycle_body(**overrides: Any) -> dict[str, Any]:
    return {"name": "Monthly", "interval": "month", "intervalCount": 1, **overrides}


async def order_of(api: Api, product_id: str, **overrides: Any) -> dict[str, Any]:
    body = {"currency": "NOK", "items": [{"productId": product_id, "quantity": "1"}], **overrides}
    return await api.created(ORDERS, body)


# Currencies


async def test_currencies_list_iso_4217_with_exponent_symbol_and_acceptance(api: Api) -> None:
    body = (await api.get(CURRENCIES)).json()
    by_code = {c["code"]: c for c in body["data"]}

    assert body["nextCursor"] is None
    assert [c["code"] for c in body["data"]] == sorted(by_code)
    assert by_code["NOK"] == {
        "code": "NOK",
        "name": "Norwegian Krone",
        "numericCode": "578",
        "exponent": 2,
        "symbol": "NOK",
        "accepted": True,
    }
    assert by_code["JPY"] == {
        "code": "JPY",
        "name": "Yen",
        "numericCode": "392",
        "exponent": 0,
        "symbol": "JP¥",
        "accepted": False,
    }
    assert by_code["BHD"] == {
        "code": "BHD",
        "name": "Bahraini Dinar",
        "numericCode": "048",
        "exponent": 3,
        "symbol": "BHD",
        "accepted": False,
    }
    assert by_code["EUR"]["symbol"] == "€"
    assert not {"XAU", "XDR", "XXX", "XAD"} & set(by_code)


async def test_a_new_norwegian_merchant_accepts_only_nok(api: Api) -> None:
    body = (await api.get(CURRENCIES, params={"accepted": "true"})).json()

    assert [c["code"] for c in body["data"]] == ["NOK"]


async def test_get_one_currency_by_code_in_any_case(api: Api) -> None:
    response = await api.get(f"{CURRENCIES}/jpy")

    assert response.status_code == 200
    assert response.json()["code"] == "JPY"
    assert response.json()["exponent"] == 0


@pytest.mark.parametrize("code", ["XYZ", "XAU", "EURO"])
async def test_an_unknown_currency_is_a_404(api: Api, code: str) -> None:
    assert error_code(await api.get(f"{CURRENCIES}/{code}"), 404) == "currency_not_found"
    assert error_code(await accept(api, code), 404) == "currency_not_found"


async def test_accepting_a_currency_lists_it_as_accepted(api: Api) -> None:
    response = await accept(api, "eur")

    assert response.status_code == 200
    assert response.json()["code"] == "EUR"
    assert response.json()["accepted"] is True
    accepted = (await api.get(CURRENCIES, params={"accepted": "true"})).json()["data"]
    assert [c["code"] for c in accepted] == ["EUR", "NOK"]
    assert (await api.get(f"{CURRENCIES}/EUR")).json()["accepted"] is True


async def test_accepting_twice_is_harmless(api: Api) -> None:
    await accept(api, "EUR")

    response = await accept(api, "EUR")

    assert response.status_code == 200
    assert [c["code"] for c in (await api.get(CURRENCIES, params={"accepted": "true"})).json()["data"]] == [
        "EUR",
        "NOK",
    ]


async def test_a_currency_other_than_the_default_can_be_removed(api: Api) -> None:
    await accept(api, "EUR")
    await accept(api, "SEK")

    response = await accept(api, "SEK", accepted=False)

    assert response.status_code == 200
    assert response.json()["accepted"] is False
    accepted = (await api.get(CURRENCIES, params={"accepted": "true"})).json()["data"]
    assert [c["code"] for c in accepted] == ["EUR", "NOK"]


async def test_the_default_currency_cannot_be_removed(api: Api) -> None:
    await accept(api, "EUR", accepted=True)
    response = await accept(api, "NOK", accepted=False)

    assert error_code(response, 409) == "default_currency"
    assert (await api.get(f"{CURRENCIES}/NOK")).json()["accepted"] is True
    body = {"items": [{"description": "X", "unitPrice": 100, "taxRate": "25"}]}
    assert (await api.post("/api/v1/Orders", json=body)).json()["currency"] == "NOK"


async def test_removing_a_currency_not_accepted_changes_nothing(api: Api) -> None:
    response = await accept(api, "SEK", accepted=False)

    assert response.status_code == 200
    assert response.json()["accepted"] is False
    assert [c["code"] for c in (await api.get(CURRENCIES, params={"accepted": "true"})).json()["data"]] == [
        "NOK"
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [({}, ("accepted", "required")), ({"accepted": "maybe"}, ("accepted", "bool_parsing"))],
)
async def test_currency_acceptance_needs_a_boolean(
    api: Api, body: dict[str, Any], expected: tuple[str, str]
) -> None:
    response = await api.put(f"{CURRENCIES}/EUR", json=body)

    assert invalid_fields(response) == [expected]


async def test_accepted_currencies_belong_to_one_merchant(api: Api, database: Database) -> None:
    await accept(api, "EUR")
    other = await new_merchant(api.client, database, country="DK")

    accepted = (await other.get(CURRENCIES, params={"accepted": "true"})).json()["data"]

    assert [c["code"] for c in accepted] == ["DKK"]


# Billing cycles


async def test_create_billing_cycle_answers_its_fields(api: Api) -> None:
    cycle = await api.created(CYCLES, cycle_body(name="Quarterly", intervalCount=3))

    assert cycle["id"].startswith("bcy_")
    assert {k: v for k, v in cycle.items() if k not in ("id", "createdAt")} == {
        "name": "Quarterly",
        "interval": "month",
        "intervalCount": 3,
        "active": True,
    }
    assert (await api.get(f"{CYCLES}/{cycle['id']}")).json() == cycle


@pytest.mark.parametrize("interval", ["day", "week", "month", "year"])
async def test_every_interval_is_accepted_and_count_defaults_to_one(api: Api, interval: str) -> None:
    cycle = await api.created(CYCLES, {"name": "Cycle", "interval": interval})

    assert cycle["interval"] == interval
    assert cycle["intervalCount"] == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"interval": "fortnight"}, ("interval", "invalid_choice")),
        ({"interval": "Month"}, ("interval", "invalid_choice")),
        ({"intervalCount": 0}, ("intervalCount", "too_small")),
        ({"intervalCount": 366}, ("intervalCount", "too_large")),
        ({"name": ""}, ("name", "too_short")),
        ({"anchor": "2025-01-31"}, ("anchor", "unknown_field")),
    ],
)
async def test_bad_billing_cycle_fields_are_named(
    api: Api, overrides: dict[str, Any], expected: tuple[str, str]
) -> None:
    response = await api.post(CYCLES, json=cycle_body(**overrides))

    assert invalid_fields(response) == [expected]


async def test_rename_changes_only_the_name(api: Api) -> None:
    cycle = await api.created(CYCLES, cycle_body())

    response = await api.patch(f"{CYCLES}/{cycle['id']}", json={"name": "Every month"})

    assert response.status_code == 200
    assert response.json() == cycle | {"name": "Every month"}


@pytest.mark.parametrize("field", ["interval", "intervalCount"])
async def test_the_interval_of_a_cycle_never_changes(api: Api, field: str) -> None:
    cycle = await api.created(CYCLES, cycle_body())

    response = await api.patch(f"{CYCLES}/{cycle['id']}", json={"name": "Yearly", field: "year"})

    assert invalid_fields(response) == [(field, "unknown_field")]
    assert (await api.get(f"{CYCLES}/{cycle['id']}")).json() == cycle


async def test_delete_archives_a_cycle_which_stays_readable(api: Api) -> None:
    cycle = await api.created(CYCLES, cycle_body())

    deleted = await api.delete(f"{CYCLES}/{cycle['id']}")

    assert deleted.status_code == 204
    assert (await api.get(f"{CYCLES}/{cycle['id']}")).json() == cycle | {"active": False}


async def test_list_filters_cycles_by_active(api: Api) -> None:
    kept = await api.created(CYCLES, cycle_body(name="Kept"))
    archived = await api.created(CYCLES, cycle_body(name="Archived"))
    await api.delete(f"{CYCLES}/{archived['id']}")

    active = (await api.get(CYCLES, params={"active": "true"})).json()["data"]
    inactive = (await api.get(CYCLES, params={"active": "false"})).json()["data"]
    every = (await api.get(CYCLES)).json()["data"]

    assert [c["id"] for c in active] == [kept["id"]]
    assert [c["id"] for c in inactive] == [archived["id"]]
    assert [c["id"] for c in every] == [archived["id"], kept["id"]]


async def test_an_archived_cycle_stays_on_orders_but_new_orders_cannot_use_it(api: Api) -> None:
    cycle = await api.created(CYCLES, cycle_body())
    item = await product(api)
    order = await order_of(api, item["id"], billingCycleId=cycle["id"])
    await api.delete(f"{CYCLES}/{cycle['id']}")

    response = await api.post(
        ORDERS, json={"items": [{"productId": item["id"]}], "billingCycleId": cycle["id"]}
    )

    assert invalid_fields(response) == [("billingCycleId", "billing_cycle_archived")]
    assert (await api.get(f"{ORDERS}/{order['id']}")).json()["billingCycleId"] == cycle["id"]


async def test_billing_cycle_pages_have_no_gaps_or_duplicates(api: Api) -> None:
    created = [(await api.created(CYCLES, cycle_body(name=f"Cycle {n}")))["id"] for n in range(5)]

    pages = await all_pages(api, CYCLES, limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [cid for page in pages for cid in page] == created[::-1]


async def test_another_merchants_billing_cycle_is_a_404(api: Api, database: Database) -> None:
    cycle = await api.created(CYCLES, cycle_body())
    other = await new_merchant(api.client, database)
    path = f"{CYCLES}/{cycle['id']}"

    assert error_code(await other.get(path), 404) == "billing_cycle_not_found"
    assert error_code(await other.patch(path, json={"name": "Mine"}), 404) == "billing_cycle_not_found"
    assert error_code(await other.delete(path), 404) == "billing_cycle_not_found"
    assert (await other.get(CYCLES)).json()["data"] == []
    assert (await api.get(path)).json() == cycle


# Products


async def test_create_product_answers_it_with_its_first_price(api: Api) -> None:
    rule = await tax_rule_id(api, "25")

    item = await product(api, description="One hour of advice")

    price = item["prices"][0]
    assert item["id"].startswith("prod_")
    assert price["id"].startswith("price_")
    assert {k: v for k, v in item.items() if k not in ("id", "createdAt", "prices", "priceId")} == {
        "name": "Consulting hour",
        "description": "One hour of advice",
        "unitCode": "HUR",
        "taxRuleId": rule,
        "currency": "NOK",
        "unitPrice": 120000,
        "pricesIncludeTax": False,
        "active": True,
    }
    assert item["priceId"] == price["id"]
    assert {k: v for k, v in price.items() if k not in ("id", "createdAt")} == {
        "currency": "NOK",
        "unitPrice": 120000,
        "pricesIncludeTax": False,
        "active": True,
    }
    assert (await api.get(f"{PRODUCTS}/{item['id']}")).json() == item


async def test_product_defaults_unit_code_ea_and_no_tax_rule(api: Api) -> None:
    item = await api.created(PRODUCTS, {"name": "Widget", "unitPrice": 0, "currency": "nok"})

    assert item["unitCode"] == "EA"
    assert item["taxRuleId"] is None
    assert item["currency"] == "NOK"
    assert item["unitPrice"] == 0


async def test_tax_inclusive_price_is_kept_as_given(api: Api) -> None:
    item = await product(api, unitPrice=12500, pricesIncludeTax=True)

    assert item["unitPrice"] == 12500
    assert item["pricesIncludeTax"] is True
    assert item["prices"][0]["pricesIncludeTax"] is True


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"currency": "EUR"}, ("currency", "currency_not_accepted")),
        ({"currency": "XAU"}, ("currency", "unsupported_currency")),
        ({"currency": "EURO"}, ("currency", "string_pattern_mismatch")),
        ({"unitPrice": -1}, ("unitPrice", "too_small")),
        ({"unitPrice": 10**15 + 1}, ("unitPrice", "too_large")),
        ({"unitPrice": "12.50"}, ("unitPrice", "int_parsing")),
        ({"unitCode": "hour"}, ("unitCode", "string_pattern_mismatch")),
        ({"taxRuleId": "txr_missing"}, ("taxRuleId", "tax_rule_not_found")),
        ({"name": ""}, ("name", "too_short")),
        ({"price": 100}, ("price", "unknown_field")),
    ],
)
async def test_bad_product_fields_are_named(
    api: Api, overrides: dict[str, Any], expected: tuple[str, str]
) -> None:
    body = {"name": "Widget", "unitPrice": 100, "currency": "NOK", **overrides}

    response = await api.post(PRODUCTS, json=body)

    assert invalid_fields(response) == [expected]


async def test_product_cannot_use_an_archived_or_foreign_tax_rule(api: Api, database: Database) -> None:
    archived = await tax_rule_id(api, "12")
    await api.delete(f"/api/v1/TaxRules/{archived}")
    other = await new_merchant(api.client, database)
    foreign = await tax_rule_id(other, "25")

    for rule in (archived, foreign):
        response = await api.post(
            PRODUCTS, json={"name": "W", "unitPrice": 1, "currency": "NOK", "taxRuleId": rule}
        )
        assert invalid_fields(response) == [("taxRuleId", "tax_rule_not_found")]


async def test_patch_without_a_price_keeps_the_price(api: Api) -> None:
    item = await product(api)

    response = await api.patch(f"{PRODUCTS}/{item['id']}", json={"name": "Senior consulting hour"})

    assert response.status_code == 200, response.text
    assert response.json() == item | {"name": "Senior consulting hour"}


async def test_patch_null_clears_description_and_tax_rule(api: Api) -> None:
    item = await product(api, description="Advice")

    updated = (
        await api.patch(f"{PRODUCTS}/{item['id']}", json={"description": None, "taxRuleId": None})
    ).json()

    assert updated["description"] is None
    assert updated["taxRuleId"] is None
    assert updated["name"] == item["name"]


async def test_patch_cannot_clear_a_required_field(api: Api) -> None:
    item = await product(api)

    response = await api.patch(
        f"{PRODUCTS}/{item['id']}", json={"name": None, "unitCode": None, "active": None}
    )

    assert invalid_fields(response) == [
        ("name", "required"),
        ("unitCode", "required"),
        ("active", "required"),
    ]
    assert (await api.get(f"{PRODUCTS}/{item['id']}")).json() == item


async def test_new_unit_price_makes_a_new_price_and_orders_keep_the_old_one(api: Api) -> None:
    item = await product(api)
    old_order = await order_of(api, item["id"])

    response = await api.patch(f"{PRODUCTS}/{item['id']}", json={"unitPrice": 150000})
    new_order = await order_of(api, item["id"])

    updated = response.json()
    assert response.status_code == 200
    assert updated["unitPrice"] == 150000
    assert updated["priceId"] != item["priceId"]
    assert [p["id"] for p in updated["prices"]] == [updated["priceId"]]
    kept = (await api.get(f"{ORDERS}/{old_order['id']}")).json()["items"][0]
    assert (kept["priceId"], kept["unitPrice"]) == (item["priceId"], 120000)
    assert (new_order["items"][0]["priceId"], new_order["items"][0]["unitPrice"]) == (
        updated["priceId"],
        150000,
    )


async def test_new_unit_price_keeps_the_tax_basis_unless_told(api: Api) -> None:
    item = await product(api, pricesIncludeTax=True)

    kept = (await api.patch(f"{PRODUCTS}/{item['id']}", json={"unitPrice": 100})).json()
    changed = (
        await api.patch(f"{PRODUCTS}/{item['id']}", json={"unitPrice": 80, "pricesIncludeTax": False})
    ).json()

    assert kept["pricesIncludeTax"] is True
    assert (changed["unitPrice"], changed["pricesIncludeTax"]) == (80, False)


@pytest.mark.parametrize("body", [{"currency": "NOK"}, {"pricesIncludeTax": True}])
async def test_a_new_currency_or_tax_basis_needs_a_unit_price(api: Api, body: dict[str, Any]) -> None:
    item = await product(api)

    response = await api.patch(f"{PRODUCTS}/{item['id']}", json=body)

    assert invalid_fields(response) == [("unitPrice", "required")]


async def test_patch_price_in_a_currency_not_accepted_is_refused(api: Api) -> None:
    item = await product(api)

    response = await api.patch(f"{PRODUCTS}/{item['id']}", json={"unitPrice": 100, "currency": "EUR"})

    assert invalid_fields(response) == [("currency", "currency_not_accepted")]
    assert (await api.get(f"{PRODUCTS}/{item['id']}")).json() == item


async def test_add_price_in_another_accepted_currency(api: Api) -> None:
    item = await product(api)
    await accept(api, "EUR")

    response = await api.post(f"{PRODUCTS}/{item['id']}/Prices", json={"unitPrice": 10000, "currency": "eur"})

    assert response.status_code == 201
    updated = response.json()
    assert [(p["currency"], p["unitPrice"]) for p in updated["prices"]] == [("EUR", 10000), ("NOK", 120000)]
    assert (updated["currency"], updated["unitPrice"], updated["priceId"]) == ("NOK", 120000, item["priceId"])


async def test_add_price_replaces_the_active_price_in_that_currency(api: Api) -> None:
    item = await product(api)
    await accept(api, "EUR")
    first = (
        await api.post(f"{PRODUCTS}/{item['id']}/Prices", json={"unitPrice": 10000, "currency": "EUR"})
    ).json()

    second = (
        await api.post(f"{PRODUCTS}/{item['id']}/Prices", json={"unitPrice": 11000, "currency": "EUR"})
    ).json()

    [first_eur] = [p for p in first["prices"] if p["currency"] == "EUR"]
    [second_eur] = [p for p in second["prices"] if p["currency"] == "EUR"]
    assert second_eur["id"] != first_eur["id"]
    assert second_eur["unitPrice"] == 11000
    assert len(second["prices"]) == 2


async def test_add_price_in_a_currency_not_accepted_is_refused(api: Api) -> None:
    item = await product(api)

    response = await api.post(f"{PRODUCTS}/{item['id']}/Prices", json={"unitPrice": 10000, "currency": "EUR"})

    assert invalid_fields(response) == [("currency", "currency_not_accepted")]


async def test_a_product_without_a_price_in_the_order_currency_cannot_be_ordered_in_it(api: Api) -> None:
    item = await product(api)
    await accept(api, "EUR")

    response = await api.post(ORDERS, json={"currency": "EUR", "items": [{"productId": item["id"]}]})

    assert invalid_fields(response) == [("items[0].productId", "no_price_in_currency")]


async def test_delete_archives_a_product_which_new_orders_cannot_use(api: Api) -> None:
    item = await product(api)

    deleted = await api.delete(f"{PRODUCTS}/{item['id']}")
    response = await api.post(ORDERS, json={"items": [{"productId": item["id"]}]})

    assert deleted.status_code == 204
    assert (await api.get(f"{PRODUCTS}/{item['id']}")).json() == item | {"active": False}
    assert invalid_fields(response) == [("items[0].productId", "product_inactive")]


async def test_patch_active_true_restores_an_archived_product(api: Api) -> None:
    item = await product(api)
    await api.delete(f"{PRODUCTS}/{item['id']}")

    restored = (await api.patch(f"{PRODUCTS}/{item['id']}", json={"active": True})).json()

    assert restored == item


async def test_list_filters_products_by_active(api: Api) -> None:
    kept = await product(api, name="Kept")
    archived = await product(api, name="Archived")
    await api.delete(f"{PRODUCTS}/{archived['id']}")

    active = (await api.get(PRODUCTS, params={"active": "true"})).json()["data"]
    inactive = (await api.get(PRODUCTS, params={"active": "false"})).json()["data"]

    assert active == [kept]
    assert inactive == [archived | {"active": False}]


async def test_product_pages_have_no_gaps_or_duplicates(api: Api) -> None:
    created = [(await product(api, name=f"Product {n}"))["id"] for n in range(5)]

    pages = await all_pages(api, PRODUCTS, limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [pid for page in pages for pid in page] == created[::-1]


async def test_another_merchants_product_is_a_404(api: Api, database: Database) -> None:
    item = await product(api)
    other = await new_merchant(api.client, database)
    path = f"{PRODUCTS}/{item['id']}"

    assert error_code(await other.get(path), 404) == "product_not_found"
    assert error_code(await other.patch(path, json={"name": "Mine"}), 404) == "product_not_found"
    assert error_code(await other.delete(path), 404) == "product_not_found"
    prices = await other.post(f"{path}/Prices", json={"unitPrice": 1, "currency": "NOK"})
    assert error_code(prices, 404) == "product_not_found"
    assert (await other.get(PRODUCTS)).json()["data"] == []
    assert (await api.get(path)).json() == item


async def test_product_and_billing_cycle_texts_are_checked(api: Api) -> None:
    product_body = {"name": "Widget", "unitPrice": 100, "currency": "NOK"}
    response = await api.post("/api/v1/Products", json={**product_body, "name": "Wid\u202eget"})
    assert invalid_fields(response) == [("name", "invalid_text")]
    response = await api.post("/api/v1/Products", json={**product_body, "description": "\u2066"})
    assert invalid_fields(response) == [("description", "invalid_text")]
    created = await api.created("/api/v1/Products", {**product_body, "description": "Blue\nlarge"})
    assert created["description"] == "Blue\nlarge"
    response = await api.post("/api/v1/BillingCycles", json={"name": "\x1bMonthly", "interval": "month"})
    assert invalid_fields(response) == [("name", "invalid_text")]
