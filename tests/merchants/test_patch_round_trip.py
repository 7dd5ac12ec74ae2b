"""PATCH /api/v1/Merchant answers every bad field at once and takes back what GET gave."""

from __future__ import annotations

from tests.asserts import error_code
from tests.factories import Api

MERCHANT = "/api/v1/Merchant"


async def test_a_bad_colour_does_not_hide_the_other_bad_fields(api: Api) -> None:
    response = await api.patch(
        MERCHANT,
        json={
            "name": "Renamed",
            "organizationNumber": "123456789",
            "bankAccount": "86011117948",
            "unknownField": 1,
            "invoiceSettings": {
                "color": "blue",
                "paymentTermsDays": 999,
                "iban": "NO00 0000",
                "bic": "X",
                "email": "not-an-address",
                "invoiceFee": {"amount": 100, "currency": "NOK", "taxRate": "0", "taxCategory": "S"},
            },
        },
    )
    assert error_code(response, 422) == "validation_error"
    fields = {(d["field"], d["code"]) for d in response.json()["error"]["details"]}
    assert fields == {
        ("invoiceSettings.color", "string_pattern_mismatch"),
        ("invoiceSettings.paymentTermsDays", "too_large"),
        ("unknownField", "unknown_field"),
        ("organizationNumber", "invalid_organization_number"),
        ("bankAccount", "invalid_bank_account"),
        ("invoiceSettings.iban", "invalid_iban"),
        ("invoiceSettings.bic", "invalid_bic"),
        ("invoiceSettings.email", "invalid_email"),
        ("invoiceSettings.invoiceFee.taxRate", "tax_rate_category_mismatch"),
    }
    stored = (await api.get(MERCHANT)).json()
    assert stored["name"] != "Renamed"
    assert stored["invoiceSettings"]["color"] is None


async def test_a_bad_nested_object_is_named_without_hiding_its_siblings(api: Api) -> None:
    response = await api.patch(
        MERCHANT,
        json={"invoiceSettings": {"invoiceFee": {"currency": "NOK"}, "bic": "X"}, "vatNumber": "NO1MVA"},
    )
    fields = {(d["field"], d["code"]) for d in response.json()["error"]["details"]}
    assert ("invoiceSettings.invoiceFee.amount", "required") in fields
    assert ("invoiceSettings.bic", "invalid_bic") in fields
    assert ("vatNumber", "invalid_vat_number") in fields


async def test_what_get_returns_can_be_patched_back(api: Api) -> None:
    profile = (await api.get(MERCHANT)).json()
    profile["name"] = "Fjord Kaffe Oslo AS"
    profile["invoiceSettings"]["color"] = "#1A73E8"
    response = await api.patch(MERCHANT, json=profile)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Fjord Kaffe Oslo AS"
    assert body["invoiceSettings"]["color"] == "#1a73e8"
    assert body["id"] == profile["id"]
    assert body["createdAt"] == profile["createdAt"]


async def test_a_changed_read_only_field_is_named(api: Api) -> None:
    profile = (await api.get(MERCHANT)).json()
    changed = {
        **profile,
        "name": "Not stored",
        "id": "mer_other",
        "country": "SE",
        "createdAt": "2020-01-01T00:00:00Z",
    }
    response = await api.patch(MERCHANT, json=changed)
    assert error_code(response, 422) == "validation_error"
    fields = {(d["field"], d["code"]) for d in response.json()["error"]["details"]}
    assert fields == {
        ("id", "read_only_field"),
        ("country", "read_only_field"),
        ("createdAt", "read_only_field"),
    }
    assert (await api.get(MERCHANT)).json()["name"] == profile["name"]
