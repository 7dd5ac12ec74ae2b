"""The merchant's own profile and invoice settings through /api/v1/Merchant."""

from __future__ import annotations

import base64

import httpx

from faktura.kit.db import Database
from tests.asserts import error_code
from tests.factories import Api, new_merchant

MERCHANT = "/api/v1/Merchant"
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()


async def test_a_new_merchant_shows_its_defaults(client: httpx.AsyncClient, database: Database) -> None:
    api = await new_merchant(client, database, seller_details=False)
    response = await api.get(MERCHANT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == api.merchant_id
    assert body["country"] == "NO"
    assert body["defaultCurrency"] == "NOK"
    assert body["invoiceSettings"]["paymentTermsDays"] == 14
    assert body["invoiceSettings"]["kidAlgorithm"] == "MOD10"
    assert body["invoiceSettings"]["invoiceFee"] is None
    assert body["peppolParticipantId"] is None


async def test_profile_and_settings_are_validated_and_normalized(api: Api) -> None:
    response = await api.patch(
        MERCHANT,
        json={
            "organizationNumber": "921 605 900",
            "vatNumber": "NO 921605900 MVA",
            "address": {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "no"},
            "bankAccount": "8601.11.17947",
            "invoiceSettings": {
                "businessRegister": True,
                "iban": "NO93 8601 1117 947",
                "bic": "DNBANOKK",
                "logo": PNG,
                "color": "#1A73E8",
                "paymentTermsDays": 10,
                "invoiceFee": {
                    "amount": 3900,
                    "currency": "nok",
                    "taxRate": "25",
                    "description": "Fakturagebyr",
                },
            },
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["organizationNumber"] == "921605900"
    assert body["vatNumber"] == "NO921605900MVA"
    assert body["peppolParticipantId"] == "0192:921605900"
    assert body["address"]["country"] == "NO"
    assert body["bankAccount"] == "86011117947"
    settings = body["invoiceSettings"]
    assert settings["businessRegister"] is True
    assert settings["iban"] == "NO9386011117947"
    assert settings["color"] == "#1a73e8"
    assert settings["logo"] == PNG
    assert settings["paymentTermsDays"] == 10
    assert settings["invoiceFee"] == {
        "amount": 3900,
        "currency": "NOK",
        "taxRate": "25",
        "taxCategory": "S",
        "description": "Fakturagebyr",
    }
    # Settings merge field by field; null clears one.
    response = await api.patch(MERCHANT, json={"invoiceSettings": {"color": None}})
    settings = response.json()["invoiceSettings"]
    assert settings["color"] is None
    assert settings["paymentTermsDays"] == 10
    assert (await api.get(MERCHANT)).json()["invoiceSettings"]["iban"] == "NO9386011117947"


async def test_bad_values_are_refused_field_by_field_and_nothing_is_stored(api: Api) -> None:
    response = await api.patch(
        MERCHANT,
        json={
            "name": "Renamed",
            "organizationNumber": "123456789",
            "bankAccount": "86011117948",
            "invoiceSettings": {
                "iban": "NO00 0000",
                "logo": "https://example.com/logo.png",
                "invoiceFee": {"amount": 100, "currency": "NOK", "taxRate": "0", "taxCategory": "S"},
            },
        },
    )
    assert error_code(response, 422) == "validation_error"
    fields = {(d["field"], d["code"]) for d in response.json()["error"]["details"]}
    assert fields == {
        ("organizationNumber", "invalid_organization_number"),
        ("bankAccount", "invalid_bank_account"),
        ("invoiceSettings.iban", "invalid_iban"),
        ("invoiceSettings.logo", "invalid_logo"),
        ("invoiceSettings.invoiceFee.taxRate", "tax_rate_category_mismatch"),
    }
    assert (await api.get(MERCHANT)).json()["name"] != "Renamed"


async def test_a_logo_must_be_the_image_it_claims_to_be(api: Api) -> None:
    fake = "data:image/png;base64," + base64.b64encode(b"<html>").decode()
    response = await api.patch(MERCHANT, json={"invoiceSettings": {"logo": fake}})
    assert error_code(response, 422) == "validation_error"
    assert response.json()["error"]["details"][0]["code"] == "invalid_logo"
    big = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200_000).decode()
    response = await api.patch(MERCHANT, json={"invoiceSettings": {"logo": big}})
    assert error_code(response, 422) == "validation_error"
    assert response.json()["error"]["details"][0]["code"] == "logo_too_large"


async def test_the_merchants_printed_texts_are_checked(api: Api) -> None:
    for body, field in [
        ({"name": "Fjord \u202eHandel"}, "name"),
        ({"address": {"street": "Kaia\u00851"}}, "address.street"),
        (
            {"invoiceSettings": {"invoiceFee": {"amount": 100, "currency": "NOK", "taxRate": "2_5"}}},
            "invoiceSettings.invoiceFee.taxRate",
        ),
        (
            {
                "invoiceSettings": {
                    "invoiceFee": {"amount": 100, "currency": "NOK", "taxRate": "25", "description": "\u200b"}
                }
            },
            "invoiceSettings.invoiceFee.description",
        ),
    ]:
        response = await api.patch(MERCHANT, json=body)
        assert response.status_code == 422, body
        (detail,) = response.json()["error"]["details"]
        assert detail["field"] == field
        assert detail["code"] in ("invalid_text", "decimal_parsing")
