"""Customers over HTTP: identifiers Norwegian and Danish billing needs, lookups, paging, updates, tenancy.

Valid identifiers are public ones (Brønnøysundregistrene 974760673, CVR 13585628) or stdnum's examples;
see tests/customers/test_validation.py for the identifier rules one by one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from faktura.kit.db import Database
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, corporate_body, customer_body, new_merchant

URL = "/api/v1/Customers"
SERVER_FIELDS = ("id", "createdAt", "updatedAt")


def without_server_fields(customer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in customer.items() if k not in SERVER_FIELDS}


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# Create and read


async def test_create_private_customer_answers_every_field_normalised(api: Api) -> None:
    customer = await api.created(URL, customer_body(personalNumber="010190 124 80", externalId="crm-1"))

    assert customer["id"].startswith("cus_")
    assert without_server_fields(customer) == {
        "type": "private",
        "name": "Kari Nordmann",
        "email": "kari@example.no",
        "phone": "+4791234567",
        "personalNumber": "01019012480",
        "organizationNumber": None,
        "vatNumber": None,
        "address": {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "NO"},
        "preferredLanguage": "no",
        "externalId": "crm-1",
        "peppolParticipantId": None,
        "metadata": {},
        "testClockId": None,
    }


async def test_get_answers_the_customer_as_created(api: Api) -> None:
    customer = await api.created(URL, customer_body(metadata={"segment": "b2c"}))

    response = await api.get(f"{URL}/{customer['id']}")

    assert response.status_code == 200
    assert response.json() == customer


async def test_only_type_and_name_are_required(api: Api) -> None:
    customer = await api.created(URL, {"type": "private", "name": "Ola"})

    assert without_server_fields(customer) == {
        "type": "private",
        "name": "Ola",
        "email": None,
        "phone": None,
        "personalNumber": None,
        "organizationNumber": None,
        "vatNumber": None,
        "address": None,
        "preferredLanguage": "no",  # the merchant is Norwegian
        "externalId": None,
        "peppolParticipantId": None,
        "metadata": {},
        "testClockId": None,
    }


async def test_norwegian_corporate_customer_gets_peppol_id_0192(api: Api) -> None:
    customer = await api.created(URL, corporate_body(organizationNumber="974 760 673"))

    assert customer["organizationNumber"] == "974760673"
    assert customer["vatNumber"] == "NO974760673MVA"
    assert customer["peppolParticipantId"] == "0192:974760673"


async def test_danish_corporate_customer_gets_cvr_peppol_id_0184_and_danish(api: Api) -> None:
    body = corporate_body(
        name="Danske Firma ApS",
        organizationNumber="DK-13 58 56 28",
        vatNumber="13585628",
        phone="20 12 34 56",
        address={"street": "Vesterbrogade 1", "zip": "1620", "city": "København V", "country": "dk"},
    )
    body.pop("preferredLanguage")

    customer = await api.created(URL, body)

    assert customer["organizationNumber"] == "13585628"
    assert customer["vatNumber"] == "DK13585628"
    assert customer["phone"] == "+4520123456"
    assert customer["address"]["country"] == "DK"
    assert customer["preferredLanguage"] == "da"
    assert customer["peppolParticipantId"] == "0184:13585628"


async def test_private_customer_has_no_peppol_id_even_with_an_organisation_number(api: Api) -> None:
    customer = await api.created(URL, customer_body(organizationNumber="974760673"))

    assert customer["organizationNumber"] == "974760673"
    assert customer["peppolParticipantId"] is None


# Normalisation


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+47 912 34 567", "+4791234567"),
        ("912 34 567", "+4791234567"),
        ("0047 91234567", "+4791234567"),
        ("(+47) 91-23-45-67", "+4791234567"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
async def test_phone_is_stored_as_e164(api: Api, phone: str, expected: str) -> None:
    customer = await api.created(URL, customer_body(phone=phone))

    assert customer["phone"] == expected


@pytest.mark.parametrize(
    "vat_number", ["NO974760673MVA", "no 974 760 673 mva", "974760673MVA", "NO 974.760.673 MVA"]
)
async def test_norwegian_vat_number_forms_become_one(api: Api, vat_number: str) -> None:
    customer = await api.created(URL, corporate_body(vatNumber=vat_number))

    assert customer["vatNumber"] == "NO974760673MVA"


@pytest.mark.parametrize(
    ("language", "expected"), [("nb", "no"), ("nn", "no"), ("nb-NO", "no"), ("en_GB", "en")]
)
async def test_preferred_language_is_reduced_to_a_supported_one(
    api: Api, language: str, expected: str
) -> None:
    customer = await api.created(URL, customer_body(preferredLanguage=language))

    assert customer["preferredLanguage"] == expected


async def test_country_email_and_text_are_normalised(api: Api) -> None:
    body = customer_body(
        name="  Kari Nordmann  ",
        email=" Kari@Example.NO ",
        address={"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "no"},
    )

    customer = await api.created(URL, body)

    assert customer["name"] == "Kari Nordmann"
    assert customer["email"] == "Kari@example.no"
    assert customer["address"] == {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "NO"}


async def test_identifiers_are_checked_against_the_address_country(api: Api) -> None:
    # A Danish CVR is no valid Norwegian organisation number; the address says which rules apply.
    danish = {"street": "Vesterbrogade 1", "zip": "1620", "city": "København V", "country": "DK"}

    norwegian = await api.post(URL, json=corporate_body(organizationNumber="13585628", vatNumber=None))
    dane = await api.created(
        URL, corporate_body(organizationNumber="13585628", vatNumber=None, address=danish)
    )

    assert invalid_fields(norwegian) == [("organizationNumber", "invalid_organization_number")]
    assert dane["organizationNumber"] == "13585628"


# Validation


async def test_every_bad_identifier_is_listed_in_one_answer(api: Api) -> None:
    body = customer_body(
        email="kari@",
        phone="12",
        personalNumber="01019012481",  # second check digit off
        organizationNumber="974760674",
        vatNumber="NO123MVA",
        preferredLanguage="fr",
    )

    response = await api.post(URL, json=body)

    assert invalid_fields(response) == [
        ("email", "invalid_email"),
        ("phone", "invalid_phone"),
        ("personalNumber", "invalid_personal_number"),
        ("organizationNumber", "invalid_organization_number"),
        ("vatNumber", "invalid_vat_number"),
        ("preferredLanguage", "unsupported_language"),
    ]
    assert response.json()["error"]["message"] == "The request has invalid fields."


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"address": {"country": "XX"}}, ("address.country", "invalid_country")),
        ({"address": {"country": "NOR"}}, ("address.country", "too_long")),
        ({"phone": "+47 912 34 567 ext. 12"}, ("phone", "invalid_phone")),
        ({"personalNumber": "0101901248"}, ("personalNumber", "invalid_personal_number")),
        ({"vatNumber": "DK13585628"}, ("vatNumber", "vat_number_country_mismatch")),
        ({"type": "company"}, ("type", "invalid_choice")),
        ({"name": "   "}, ("name", "too_short")),
        ({"name": "x" * 201}, ("name", "too_long")),
        ({"externalId": ""}, ("externalId", "too_short")),
        ({"nickname": "Kari"}, ("nickname", "unknown_field")),
        ({"address": {"county": "Oslo"}}, ("address.county", "unknown_field")),
        ({"metadata": {"n": 1}}, ("metadata.n", "string_type")),
    ],
)
async def test_a_bad_field_is_named_by_its_path(
    api: Api, overrides: dict[str, Any], expected: tuple[str, str]
) -> None:
    response = await api.post(URL, json=customer_body(**overrides))

    assert invalid_fields(response) == [expected]


async def test_missing_type_and_name_are_required(api: Api) -> None:
    response = await api.post(URL, json={"email": "kari@example.no"})

    assert invalid_fields(response) == [("type", "required"), ("name", "required")]


async def test_corporate_customer_needs_an_organisation_number(api: Api) -> None:
    response = await api.post(URL, json=corporate_body(organizationNumber=None))

    assert invalid_fields(response) == [("organizationNumber", "required")]


async def test_corporate_customer_has_no_personal_number(api: Api) -> None:
    response = await api.post(URL, json=corporate_body(personalNumber="01019012480"))

    assert invalid_fields(response) == [("personalNumber", "not_allowed")]


async def test_external_id_is_unique_per_merchant(api: Api) -> None:
    first = await api.created(URL, customer_body(externalId="crm-7"))

    response = await api.post(URL, json=customer_body(externalId="crm-7"))

    assert error_code(response, 409) == "external_id_taken"
    assert first["id"] in response.json()["error"]["message"]


# Lookups and lists


async def test_lookup_by_external_id_finds_exactly_that_customer(api: Api) -> None:
    await api.created(URL, customer_body(externalId="crm-1"))
    wanted = await api.created(URL, customer_body(externalId="crm-2"))

    body = (await api.get(URL, params={"externalId": "crm-2"})).json()

    assert body == {"data": [wanted], "nextCursor": None}


async def test_lookup_by_email_normalises_the_query(api: Api) -> None:
    wanted = await api.created(URL, customer_body(email="ola@example.no"))
    await api.created(URL, customer_body(email="kari@example.no"))

    body = (await api.get(URL, params={"email": " ola@EXAMPLE.no "})).json()

    assert [c["id"] for c in body["data"]] == [wanted["id"]]


async def test_lookup_by_an_invalid_email_is_a_422(api: Api) -> None:
    response = await api.get(URL, params={"email": "not-an-email"})

    assert invalid_fields(response) == [("email", "invalid_email")]


async def test_lookup_that_matches_nothing_is_an_empty_page(api: Api) -> None:
    await api.created(URL, customer_body(externalId="crm-1"))

    body = (await api.get(URL, params={"externalId": "crm-404"})).json()

    assert body == {"data": [], "nextCursor": None}


async def test_list_filters_by_type(api: Api) -> None:
    await api.created(URL, customer_body())
    corporate = await api.created(URL, corporate_body())

    body = (await api.get(URL, params={"type": "corporate"})).json()

    assert [c["id"] for c in body["data"]] == [corporate["id"]]


async def test_pages_walk_every_customer_once_newest_first(api: Api) -> None:
    created = [(await api.created(URL, customer_body(name=f"Customer {n}")))["id"] for n in range(7)]

    pages = await all_pages(api, URL, limit=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [cid for page in pages for cid in page] == created[::-1]


async def test_a_page_that_ends_exactly_at_the_limit_has_no_next_cursor(api: Api) -> None:
    for n in range(2):
        await api.created(URL, customer_body(name=f"Customer {n}"))

    body = (await api.get(URL, params={"limit": 2})).json()

    assert len(body["data"]) == 2
    assert body["nextCursor"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"limit": 0}, ("limit", "too_small")),
        ({"limit": 101}, ("limit", "too_large")),
        ({"cursor": "bm90LWEtY3Vyc29y"}, ("cursor", "invalid_cursor")),
        ({"cursor": "%%%"}, ("cursor", "invalid_cursor")),
        ({"type": "government"}, ("type", "invalid_choice")),
    ],
)
async def test_bad_list_parameters_are_a_422(
    api: Api, params: dict[str, Any], expected: tuple[str, str]
) -> None:
    response = await api.get(URL, params=params)

    assert invalid_fields(response) == [expected]


# Updates


async def test_patch_changes_only_the_fields_sent(api: Api) -> None:
    customer = await api.created(URL, customer_body(personalNumber="01019012480", externalId="crm-1"))

    response = await api.patch(f"{URL}/{customer['id']}", json={"name": "Kari Hansen"})

    assert response.status_code == 200
    updated = response.json()
    assert without_server_fields(updated) == without_server_fields(customer) | {"name": "Kari Hansen"}
    assert updated["id"] == customer["id"]
    assert updated["createdAt"] == customer["createdAt"]
    assert moment(updated["updatedAt"]) > moment(customer["updatedAt"])


async def test_patch_null_clears_an_optional_field(api: Api) -> None:
    customer = await api.created(URL, customer_body(externalId="crm-1"))

    updated = (await api.patch(f"{URL}/{customer['id']}", json={"phone": None, "externalId": None})).json()

    assert updated["phone"] is None
    assert updated["externalId"] is None
    assert updated["email"] == "kari@example.no"


async def test_patch_normalises_what_it_is_sent(api: Api) -> None:
    customer = await api.created(URL, customer_body())

    updated = (
        await api.patch(f"{URL}/{customer['id']}", json={"phone": "415 55 555", "preferredLanguage": "nb"})
    ).json()

    assert updated["phone"] == "+4741555555"
    assert updated["preferredLanguage"] == "no"


async def test_patch_of_address_changes_only_the_address_fields_sent(api: Api) -> None:
    customer = await api.created(URL, customer_body())

    updated = (await api.patch(f"{URL}/{customer['id']}", json={"address": {"city": "Bergen"}})).json()

    assert updated["address"] == {"street": "Storgata 1", "zip": "0155", "city": "Bergen", "country": "NO"}


async def test_patch_null_address_field_clears_that_field(api: Api) -> None:
    customer = await api.created(URL, customer_body())

    updated = (await api.patch(f"{URL}/{customer['id']}", json={"address": {"street": None}})).json()

    assert updated["address"] == {"zip": "0155", "city": "Oslo", "country": "NO", "street": None}


async def test_patch_null_address_clears_it(api: Api) -> None:
    customer = await api.created(URL, customer_body())

    updated = (await api.patch(f"{URL}/{customer['id']}", json={"address": None})).json()

    assert updated["address"] is None


@pytest.mark.parametrize("field", ["name", "type"])
async def test_patch_cannot_clear_a_required_field(api: Api, field: str) -> None:
    customer = await api.created(URL, customer_body())

    response = await api.patch(f"{URL}/{customer['id']}", json={field: None})

    assert invalid_fields(response) == [(field, "required")]
    assert (await api.get(f"{URL}/{customer['id']}")).json() == customer


async def test_patch_to_corporate_applies_the_corporate_rules(api: Api) -> None:
    customer = await api.created(URL, customer_body(personalNumber="01019012480"))

    response = await api.patch(f"{URL}/{customer['id']}", json={"type": "corporate"})

    assert invalid_fields(response) == [("organizationNumber", "required"), ("personalNumber", "not_allowed")]


async def test_patch_to_corporate_with_organisation_number_derives_peppol_id(api: Api) -> None:
    customer = await api.created(URL, customer_body())

    updated = (
        await api.patch(
            f"{URL}/{customer['id']}", json={"type": "corporate", "organizationNumber": "NO 974 760 673 MVA"}
        )
    ).json()

    assert updated["type"] == "corporate"
    assert updated["organizationNumber"] == "974760673"
    assert updated["peppolParticipantId"] == "0192:974760673"


async def test_patch_with_a_bad_value_changes_nothing(api: Api) -> None:
    customer = await api.created(URL, customer_body())

    response = await api.patch(f"{URL}/{customer['id']}", json={"name": "Kari Hansen", "email": "nope"})

    assert invalid_fields(response) == [("email", "invalid_email")]
    assert (await api.get(f"{URL}/{customer['id']}")).json() == customer


async def test_patch_to_another_customers_external_id_is_a_conflict(api: Api) -> None:
    await api.created(URL, customer_body(externalId="crm-1"))
    other = await api.created(URL, customer_body(externalId="crm-2"))

    taken = await api.patch(f"{URL}/{other['id']}", json={"externalId": "crm-1"})
    own = await api.patch(f"{URL}/{other['id']}", json={"externalId": "crm-2", "name": "Same id"})

    assert error_code(taken, 409) == "external_id_taken"
    assert own.status_code == 200
    assert own.json()["externalId"] == "crm-2"


async def test_put_replaces_the_customer_and_clears_what_is_left_out(api: Api) -> None:
    customer = await api.created(
        URL, customer_body(personalNumber="01019012480", externalId="crm-1", metadata={"a": "b"})
    )

    response = await api.put(f"{URL}/{customer['id']}", json=corporate_body(phone=None, address=None))

    assert response.status_code == 200
    replaced = response.json()
    assert replaced["id"] == customer["id"]
    assert replaced["createdAt"] == customer["createdAt"]
    assert without_server_fields(replaced) == {
        "type": "corporate",
        "name": "Brønnøysundregistrene",
        "email": "kari@example.no",
        "phone": None,
        "personalNumber": None,
        "organizationNumber": "974760673",
        "vatNumber": "NO974760673MVA",
        "address": None,
        "preferredLanguage": "no",
        "externalId": None,
        "peppolParticipantId": "0192:974760673",
        "metadata": {},
        "testClockId": None,
    }


async def test_put_replaces_the_whole_address(api: Api) -> None:
    customer = await api.created(URL, customer_body())

    replaced = (
        await api.put(f"{URL}/{customer['id']}", json=customer_body(address={"city": "Bergen"}))
    ).json()

    assert replaced["address"] == {"street": None, "zip": None, "city": "Bergen", "country": None}


async def test_put_needs_the_whole_customer(api: Api) -> None:
    customer = await api.created(URL, customer_body())

    response = await api.put(f"{URL}/{customer['id']}", json={"name": "Kari Hansen"})

    assert invalid_fields(response) == [("type", "required")]


# Delete


async def test_delete_hides_the_customer(api: Api) -> None:
    customer = await api.created(URL, customer_body(email="gone@example.no"))

    deleted = await api.delete(f"{URL}/{customer['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert error_code(await api.get(f"{URL}/{customer['id']}"), 404) == "customer_not_found"
    assert (
        error_code(await api.patch(f"{URL}/{customer['id']}", json={"name": "X"}), 404)
        == "customer_not_found"
    )
    assert error_code(await api.delete(f"{URL}/{customer['id']}"), 404) == "customer_not_found"
    assert (await api.get(URL)).json()["data"] == []
    assert (await api.get(URL, params={"email": "gone@example.no"})).json()["data"] == []


async def test_delete_frees_the_external_id(api: Api) -> None:
    customer = await api.created(URL, customer_body(externalId="crm-1"))
    await api.delete(f"{URL}/{customer['id']}")

    again = await api.created(URL, customer_body(externalId="crm-1"))

    assert again["id"] != customer["id"]
    assert (await api.get(URL, params={"externalId": "crm-1"})).json()["data"] == [again]


async def test_a_missing_customer_is_a_404_in_the_error_shape(api: Api) -> None:
    response = await api.get(f"{URL}/cus_missing")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "customer_not_found",
            "message": "No customer with id 'cus_missing'.",
            "details": [],
        }
    }


# Tenancy


async def test_another_merchants_customer_is_a_404(api: Api, database: Database) -> None:
    customer = await api.created(URL, customer_body(externalId="crm-1"))
    other = await new_merchant(api.client, database)
    path = f"{URL}/{customer['id']}"

    assert error_code(await other.get(path), 404) == "customer_not_found"
    assert error_code(await other.patch(path, json={"name": "Mine"}), 404) == "customer_not_found"
    assert error_code(await other.put(path, json=customer_body()), 404) == "customer_not_found"
    assert error_code(await other.delete(path), 404) == "customer_not_found"
    assert (await api.get(path)).json() == customer


async def test_another_merchants_customers_are_not_listed_or_found(api: Api, database: Database) -> None:
    await api.created(URL, customer_body(email="kari@example.no", externalId="crm-1"))
    other = await new_merchant(api.client, database)

    assert (await other.get(URL)).json() == {"data": [], "nextCursor": None}
    assert (await other.get(URL, params={"externalId": "crm-1"})).json()["data"] == []
    assert (await other.get(URL, params={"email": "kari@example.no"})).json()["data"] == []


async def test_two_merchants_may_use_the_same_external_id(api: Api, database: Database) -> None:
    await api.created(URL, customer_body(externalId="crm-1"))
    other = await new_merchant(api.client, database)

    theirs = await other.created(URL, customer_body(externalId="crm-1"))

    assert theirs["externalId"] == "crm-1"


async def test_a_new_customer_was_created_and_updated_at_the_same_instant(api: Api) -> None:
    created = await api.created("/api/v1/Customers", customer_body())
    assert created["createdAt"] == created["updatedAt"]


async def test_lookup_by_email_ignores_case(api: Api) -> None:
    created = await api.created("/api/v1/Customers", customer_body(email="Kari.Nordmann@Example.no"))
    found = (await api.get("/api/v1/Customers", params={"email": "kari.nordmann@example.NO"})).json()["data"]
    assert [c["id"] for c in found] == [created["id"]]


# Texts printed on documents


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "Nordic \u202eAS 0001"}, "name"),  # a right-to-left override
        ({"name": "Kari\u2066Nordmann\u2069"}, "name"),  # an isolate
        ({"name": "\u200b\u200b"}, "name"),
        ({"name": "Kari\nNordmann"}, "name"),
        ({"address": {"street": "Storgata\x9b1", "city": "Oslo"}}, "address.street"),
        ({"address": {"city": "\u3164"}}, "address.city"),
    ],
)
async def test_names_and_addresses_that_would_not_show_what_they_hold_are_refused(
    api: Api, overrides: dict[str, Any], field: str
) -> None:
    response = await api.post(URL, json=customer_body(**overrides))
    assert invalid_fields(response) == [(field, "invalid_text")]


async def test_a_right_to_left_name_with_its_direction_marks_is_kept(api: Api) -> None:
    name = "\u05d7\u05d1\u05e8\u05d4 \u200f2000\u200f"
    assert (await api.created(URL, customer_body(name=name)))["name"] == name
    created = await api.created(URL, customer_body())
    response = await api.patch(f"{URL}/{created['id']}", json={"name": "Ola\u202dNordmann"})
    assert invalid_fields(response) == [("name", "invalid_text")]
