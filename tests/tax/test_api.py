"""VAT rules over HTTP: Norwegian defaults, UNCL 5305 categories, immutable rates, tenancy."""

from __future__ import annotations

from typing import Any

import pytest

from faktura.kit.db import Database
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, new_merchant

URL = "/api/v1/TaxRules"
EXEMPTING = ["E", "AE", "K", "G", "O"]


def rule_body(**overrides: Any) -> dict[str, Any]:
    return {"name": "MVA 25%", "rate": "25", "category": "S", **overrides}


def shown(rule: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rule.items() if k not in ("id", "createdAt")}


async def test_a_norwegian_merchant_starts_with_the_four_norwegian_rates(api: Api) -> None:
    body = (await api.get(URL)).json()

    assert body["nextCursor"] is None
    assert sorted((shown(r) for r in body["data"]), key=lambda r: r["name"]) == [
        {"name": n, "rate": rate, "category": c, "country": "NO", "exemptionReason": None, "active": True}
        for n, rate, c in [
            ("MVA 0% (zero-rated)", "0", "Z"),
            ("MVA 12% (transport, hotel, culture)", "12", "S"),
            ("MVA 15% (food)", "15", "S"),
            ("MVA 25%", "25", "S"),
        ]
    ]


async def test_a_danish_merchant_starts_with_danish_rates(api: Api, database: Database) -> None:
    danish = await new_merchant(api.client, database, country="DK")

    rules = (await danish.get(URL)).json()["data"]

    assert sorted((r["name"], r["rate"], r["category"], r["country"]) for r in rules) == [
        ("Moms 0% (zero-rated)", "0", "Z", "DK"),
        ("Moms 25%", "25", "S", "DK"),
    ]


async def test_create_rule_answers_its_fields_in_the_merchants_country(api: Api) -> None:
    rule = await api.created(URL, rule_body(name="Standard"))

    assert rule["id"].startswith("txr_")
    assert shown(rule) == {
        "name": "Standard",
        "rate": "25",
        "category": "S",
        "country": "NO",
        "exemptionReason": None,
        "active": True,
    }
    assert (await api.get(f"{URL}/{rule['id']}")).json() == rule


@pytest.mark.parametrize(
    ("rate", "expected"), [("12.5", "12.5"), ("12.50", "12.5"), (6, "6"), ("25.00", "25")]
)
async def test_rate_has_one_spelling(api: Api, rate: Any, expected: str) -> None:
    rule = await api.created(URL, rule_body(rate=rate))

    assert rule["rate"] == expected


async def test_category_defaults_to_standard_and_country_is_upper_cased(api: Api) -> None:
    rule = await api.created(URL, {"name": "Moms 25%", "rate": "25", "country": "se"})

    assert (rule["category"], rule["country"]) == ("S", "SE")


async def test_zero_rated_rule_needs_no_exemption_reason(api: Api) -> None:
    rule = await api.created(URL, rule_body(name="Books", rate="0", category="Z"))

    assert (rule["rate"], rule["category"], rule["exemptionReason"]) == ("0", "Z", None)


@pytest.mark.parametrize("category", EXEMPTING)
async def test_exempting_categories_need_an_exemption_reason(api: Api, category: str) -> None:
    response = await api.post(URL, json=rule_body(rate="0", category=category))

    assert invalid_fields(response) == [("exemptionReason", "required")]


@pytest.mark.parametrize("category", EXEMPTING)
async def test_exempting_categories_are_created_with_their_reason(api: Api, category: str) -> None:
    rule = await api.created(URL, rule_body(rate="0", category=category, exemptionReason="Reason"))

    assert (rule["rate"], rule["category"], rule["exemptionReason"]) == ("0", category, "Reason")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"rate": "0"}, ("rate", "invalid_tax_rate")),  # S needs a rate above 0
        ({"rate": "12.345"}, ("rate", "invalid_tax_rate")),
        ({"rate": "25", "category": "Z"}, ("rate", "invalid_tax_rate")),
        ({"rate": "100"}, ("rate", "too_large")),
        ({"rate": "-1"}, ("rate", "too_small")),
        ({"rate": "abc"}, ("rate", "decimal_parsing")),
        ({"category": "X"}, ("category", "invalid_choice")),
        ({"category": "s"}, ("category", "invalid_choice")),
        ({"country": "XX"}, ("country", "invalid_country")),
        ({"country": "NOR"}, ("country", "too_long")),
        ({"name": ""}, ("name", "too_short")),
        ({"percent": "25"}, ("percent", "unknown_field")),
    ],
)
async def test_bad_rule_fields_are_named(
    api: Api, overrides: dict[str, Any], expected: tuple[str, str]
) -> None:
    response = await api.post(URL, json=rule_body(**overrides))

    assert invalid_fields(response) == [expected]


async def test_exempt_rule_with_a_rate_lists_the_rate(api: Api) -> None:
    response = await api.post(URL, json=rule_body(rate="25", category="E", exemptionReason="Health care"))

    assert invalid_fields(response) == [("rate", "invalid_tax_rate")]


async def test_patch_renames_and_changes_the_reason_only(api: Api) -> None:
    rule = await api.created(URL, rule_body(rate="0", category="E", exemptionReason="Old"))

    response = await api.patch(f"{URL}/{rule['id']}", json={"name": "Health care", "exemptionReason": "New"})

    assert response.status_code == 200
    assert response.json() == rule | {"name": "Health care", "exemptionReason": "New"}


@pytest.mark.parametrize(("field", "value"), [("rate", "15"), ("category", "Z"), ("country", "SE")])
async def test_rate_category_and_country_never_change(api: Api, field: str, value: str) -> None:
    rule = await api.created(URL, rule_body())

    response = await api.patch(f"{URL}/{rule['id']}", json={field: value})

    assert invalid_fields(response) == [(field, "unknown_field")]
    assert (await api.get(f"{URL}/{rule['id']}")).json() == rule


@pytest.mark.parametrize("reason", [None, ""])
async def test_an_exempting_rule_cannot_lose_its_reason(api: Api, reason: str | None) -> None:
    rule = await api.created(URL, rule_body(rate="0", category="AE", exemptionReason="Reverse charge"))

    response = await api.patch(f"{URL}/{rule['id']}", json={"exemptionReason": reason})

    assert invalid_fields(response) == [("exemptionReason", "required")]
    assert (await api.get(f"{URL}/{rule['id']}")).json() == rule


async def test_a_standard_rule_may_clear_its_reason(api: Api) -> None:
    rule = await api.created(URL, rule_body(exemptionReason="Note"))

    updated = (await api.patch(f"{URL}/{rule['id']}", json={"exemptionReason": None})).json()

    assert updated["exemptionReason"] is None


async def test_patch_cannot_clear_the_name(api: Api) -> None:
    rule = await api.created(URL, rule_body())

    response = await api.patch(f"{URL}/{rule['id']}", json={"name": None})

    assert invalid_fields(response) == [("name", "required")]


async def test_delete_archives_the_rule_which_stays_readable(api: Api) -> None:
    rule = await api.created(URL, rule_body())

    deleted = await api.delete(f"{URL}/{rule['id']}")

    assert deleted.status_code == 204
    assert (await api.get(f"{URL}/{rule['id']}")).json() == rule | {"active": False}


async def test_an_archived_rule_cannot_be_used_by_new_orders(api: Api) -> None:
    rule = await api.created(URL, rule_body())
    await api.delete(f"{URL}/{rule['id']}")

    response = await api.post(
        "/api/v1/Orders",
        json={"items": [{"description": "Widget", "unitPrice": 100, "taxRuleId": rule["id"]}]},
    )

    assert invalid_fields(response) == [("items[0].taxRuleId", "tax_rule_not_found")]


async def test_list_filters_by_country_and_active(api: Api) -> None:
    swedish = await api.created(URL, rule_body(name="Moms 25%", country="SE"))
    archived = await api.created(URL, rule_body(name="Moms 12%", rate="12", country="SE"))
    await api.delete(f"{URL}/{archived['id']}")

    in_sweden = (await api.get(URL, params={"country": "se"})).json()["data"]
    active_in_sweden = (await api.get(URL, params={"country": "SE", "active": "true"})).json()["data"]
    archived_rules = (await api.get(URL, params={"active": "false"})).json()["data"]

    assert [r["id"] for r in in_sweden] == [archived["id"], swedish["id"]]
    assert [r["id"] for r in active_in_sweden] == [swedish["id"]]
    assert [r["id"] for r in archived_rules] == [archived["id"]]


async def test_rule_pages_have_no_gaps_or_duplicates(api: Api) -> None:
    defaults = [r["id"] for r in (await api.get(URL)).json()["data"]]
    created = [(await api.created(URL, rule_body(name=f"Rule {n}")))["id"] for n in range(3)]

    pages = await all_pages(api, URL, limit=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [rid for page in pages for rid in page] == created[::-1] + defaults


async def test_another_merchants_rule_is_a_404(api: Api, database: Database) -> None:
    rule = await api.created(URL, rule_body())
    other = await new_merchant(api.client, database)
    path = f"{URL}/{rule['id']}"

    assert error_code(await other.get(path), 404) == "tax_rule_not_found"
    assert error_code(await other.patch(path, json={"name": "Mine"}), 404) == "tax_rule_not_found"
    assert error_code(await other.delete(path), 404) == "tax_rule_not_found"
    assert rule["id"] not in {r["id"] for r in (await other.get(URL)).json()["data"]}
    assert (await api.get(path)).json() == rule
