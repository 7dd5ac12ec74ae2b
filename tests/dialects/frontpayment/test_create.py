"""`POST connect/orders/invoice/create`: the seed's order checked as its table says, then invoiced,
issued and sent through Faktura's own orders and invoices."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.dialects.frontpayment.support import (
    CREATE,
    VALID_PERSONAL_NUMBER,
    field_errors,
    front,
    front_key,
    seed_order,
    with_fee,
)
from tests.factories import Api

__all__ = ["front"]

MIXED: dict[str, Any] = {
    "products": [
        {"name": "Haircut", "quantity": 2, "rate": "100.00", "discount": 10, "tax": 25, "amount": "190.00"},
        {"name": "Shampoo", "quantity": "3", "rate": 33.33, "tax": "15", "amount": 99.99},
        {"name": "Gift card", "quantity": 1, "rate": 50, "discount": "0", "tax": 0, "amount": 50},
    ],
    # 200 + 99.99 + 50 before discounts; VAT 47.50 (25% of 190) + 15.00 (15% of 99.99, rounded) + 0.
    "orderSummary": {"subTotal": 349.99, "totalTax": "62.50", "totalDiscount": 10, "grandTotal": "402.49"},
}


async def _created(api: Api, front: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await front.post(CREATE, json=body, headers=await front_key(api))
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


async def _order(api: Api, uuid: str) -> dict[str, Any]:
    assert uuid.startswith("ODR")
    response = await api.get(f"/api/v1/Orders/ord_{uuid.removeprefix('ODR')}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _invoice(api: Api, order: dict[str, Any]) -> dict[str, Any]:
    """The invoice of an order invoiced by itself."""
    response = await api.get("/api/v1/Invoices", params={"orderId": order["id"]})
    assert response.status_code == 200, response.text
    [invoice] = response.json()["data"]
    return dict(invoice)


async def test_the_seeds_order_is_issued_and_sent_with_the_fee_and_the_maturity(
    api: Api, front: httpx.AsyncClient
) -> None:
    await with_fee(api)
    created = await _created(api, front, seed_order())
    order = await _order(api, created["uuid"])
    assert order["customerId"] == "cus_" + created["customerUuid"].removeprefix("CSRT")
    assert order["metadata"]["frontpayment.orderDate"] == "1703040812"
    assert order["metadata"]["frontpayment.callbackUrl"] == "https://example.com/callback-url"
    invoice = await _invoice(api, order)
    assert (invoice["status"], invoice["deliveryStatus"]) == ("open", "pending")
    assert invoice["invoiceNumber"]
    assert invoice["sentAt"] is not None
    assert [(item["description"], item["isFee"]) for item in invoice["items"]] == [
        ("Hair Wash", False),
        ("Fakturagebyr", True),
    ]
    assert (invoice["items"][0]["unitPrice"], invoice["items"][0]["taxRate"]) == (5100, "0")
    assert invoice["total"] == 5100 + 3900 + 975
    assert invoice["paymentTermsDays"] == 10
    assert date.fromisoformat(invoice["dueDate"]) == date.fromisoformat(invoice["issueDate"]) + timedelta(10)
    assert invoice["language"] == "en"
    customer = (await api.get(f"/api/v1/Customers/{order['customerId']}")).json()
    assert (customer["personalNumber"], customer["phone"], customer["email"]) == (
        VALID_PERSONAL_NUMBER,
        "+4746567468",
        "test@yopmail.com",
    )


async def test_the_references_go_onto_the_invoice_and_no_fee_when_not_applicable(
    api: Api, front: httpx.AsyncClient
) -> None:
    body = seed_order(referenceNo="PO-4711", customerReference="Kari", invoiceFeeApplicable=False)
    invoice = await _invoice(api, (await _order(api, (await _created(api, front, body))["uuid"])))
    assert (invoice["orderReference"], invoice["reference"]) == ("PO-4711", "Kari")
    assert [item["isFee"] for item in invoice["items"]] == [False]
    assert invoice["total"] == 5100


async def test_a_mixed_rate_order_checks_out_and_numbers_as_strings_or_numbers_agree(
    api: Api, front: httpx.AsyncClient
) -> None:
    as_sent = seed_order(invoiceFeeApplicable=False, **MIXED)
    first = await _order(api, (await _created(api, front, as_sent))["uuid"])
    assert (first["subtotal"], first["taxTotal"], first["total"]) == (33999, 6250, 40249)
    flipped = seed_order(
        invoiceFeeApplicable=False,
        products=[
            {key: (str(value) if isinstance(value, int | float) else value) for key, value in product.items()}
            for product in MIXED["products"]
        ],
        orderSummary={key: str(value) for key, value in MIXED["orderSummary"].items()},
    )
    second = await _order(api, (await _created(api, front, flipped))["uuid"])
    first_invoice, second_invoice = (
        await _invoice(api, first),
        await _invoice(api, second),
    )
    for name in ("subtotal", "taxTotal", "total", "taxes"):
        assert first_invoice[name] == second_invoice[name]
    figures = ("unitPrice", "quantity", "discount", "netAmount", "taxAmount", "taxRate")
    assert [[item[n] for n in figures] for item in first_invoice["items"]] == [
        [item[n] for n in figures] for item in second_invoice["items"]
    ]
    # The same customer both times: found by the personal number, not made again.
    assert first["customerId"] == second["customerId"]


async def test_an_existing_customer_is_found_by_organisation_number_or_email(
    api: Api, front: httpx.AsyncClient
) -> None:
    corporate = seed_order(
        invoiceFeeApplicable=False,
        invoiceMaturity=30,
        **{
            "customerDetails.type": "corporate",
            "customerDetails.personalNumber": None,
            "customerDetails.organizationId": "974760673",
            "customerDetails.name": "Brønnøysundregistrene",
        },
    )
    first = await _created(api, front, corporate)
    other_email = copy.deepcopy(corporate)
    other_email["customerDetails"]["email"] = "post@brreg.no"
    again = await _created(api, front, other_email)
    assert first["customerUuid"] == again["customerUuid"]
    by_email = seed_order(invoiceFeeApplicable=False, **{"customerDetails.personalNumber": None})
    assert (await _created(api, front, by_email))["customerUuid"] == (await _created(api, front, by_email))[
        "customerUuid"
    ]
    listed = (await api.get("/api/v1/Customers", params={"limit": 100})).json()["data"]
    assert len(listed) == 2


async def test_separate_invoices_false_waits_for_the_collective_invoice(
    api: Api, front: httpx.AsyncClient
) -> None:
    body = seed_order(separateInvoices=False, invoiceInterval=1, invoiceFeeApplicable=False)
    order = await _order(api, (await _created(api, front, body))["uuid"])
    assert (order["separateInvoices"], order["invoiceInterval"]) == (False, "monthly")
    assert order["invoiceId"] is None
    assert order["collectOn"] is not None
    assert order["paymentTermsDays"] == 10


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        (
            {"customerDetails.personalNumber": "15058510171"},
            "customerDetails.personalNumber",
            "invalidPersonalNumber",
        ),
        (
            {"customerDetails.personalNumber": "1505851017"},
            "customerDetails.personalNumber",
            "stringPatternMismatch",
        ),
        (
            {"customerDetails.personalNumber": "150585 1017"},
            "customerDetails.personalNumber",
            "stringPatternMismatch",
        ),
        (
            {
                "customerDetails.type": "corporate",
                "customerDetails.personalNumber": None,
                "invoiceMaturity": 14,
            },
            "customerDetails.organizationId",
            "required",
        ),
        (
            {
                "customerDetails.type": "corporate",
                "customerDetails.personalNumber": None,
                "customerDetails.organizationId": "974760674",
                "invoiceMaturity": 14,
            },
            "customerDetails.organizationId",
            "invalidOrganizationNumber",
        ),
        (
            {
                "customerDetails.type": "corporate",
                "customerDetails.personalNumber": None,
                "customerDetails.organizationId": "NO974760673",
                "invoiceMaturity": 14,
            },
            "customerDetails.organizationId",
            "stringPatternMismatch",
        ),
        ({"invoiceMaturity": 14}, "invoiceMaturity", "invalidChoice"),
        (
            {
                "customerDetails.type": "corporate",
                "customerDetails.personalNumber": None,
                "customerDetails.organizationId": "974760673",
                "invoiceMaturity": 10,
            },
            "invoiceMaturity",
            "invalidChoice",
        ),
        ({"products.0.tax": "13"}, "products.0.tax", "invalidTaxRate"),
        ({"customerDetails.msisdn": "1234"}, "customerDetails.msisdn", "invalidPhone"),
        ({"customerDetails.countryCode": "47"}, "customerDetails.countryCode", "stringPatternMismatch"),
        ({"customerDetails.address.country": "XX"}, "customerDetails.address.country", "invalidCountry"),
        ({"customerDetails.email": "not-an-email"}, "customerDetails.email", "invalidEmail"),
        ({"customerDetails.preferredLanguage": "fr"}, "customerDetails.preferredLanguage", "invalidChoice"),
        ({"invoiceInterval": 3}, "invoiceInterval", "invalidChoice"),
        ({"invoiceFeeApplicable": None}, "invoiceFeeApplicable", "required"),
        ({"orderDate": "2023-12-20"}, "orderDate", "stringPatternMismatch"),
        ({"products.0.quantity": "one"}, "products.0.quantity", "numeric"),
        ({"products.0.name": None}, "products.0.name", "required"),
        ({"orderSummary.totalTax": None}, "orderSummary.totalTax", "required"),
        ({"customerDetails.address.zip": None}, "customerDetails.address.zip", "required"),
        ({"products.0.rate": "51.001"}, "products.0.rate", "tooManyDecimals"),
        ({"callback.callbackUrl": "ftp://example.com"}, "callback.callbackUrl", "valueError"),
        ({"products.0.rate": "99999999999999"}, "products.0.rate", "tooLarge"),
        ({"products.0.quantity": "1.1234567"}, "products.0.quantity", "decimalMaxPlaces"),
        ({"products.0.quantity": "9999999999"}, "products.0.quantity", "tooLarge"),
    ],
)
async def test_each_rule_refuses_with_its_field_key(
    api: Api, front: httpx.AsyncClient, changes: dict[str, Any], field: str, key: str
) -> None:
    response = await front.post(CREATE, json=seed_order(**changes), headers=await front_key(api))
    errors = field_errors(response)
    assert response.json()["status_message"] == "Unprocessable Entity"
    assert field in errors, errors
    assert errors[field][0] == key


async def test_figures_that_do_not_match_are_named_with_the_expected_value(
    api: Api, front: httpx.AsyncClient
) -> None:
    wrong = seed_order(**MIXED)
    wrong["products"][1]["amount"] = "100.00"
    wrong["orderSummary"] = {"subTotal": "350", "totalTax": "62.49", "totalDiscount": "0", "grandTotal": 402}
    errors = field_errors(await front.post(CREATE, json=wrong, headers=await front_key(api)))
    assert errors == {
        "products.1.amount": ["totalsMismatch", "Expected 99.99, got 100.00."],
        "orderSummary.subTotal": ["totalsMismatch", "Expected 349.99, got 350."],
        "orderSummary.totalDiscount": ["totalsMismatch", "Expected 10.00, got 0."],
        "orderSummary.totalTax": ["totalsMismatch", "Expected 62.50, got 62.49."],
        "orderSummary.grandTotal": ["totalsMismatch", "Expected 402.49, got 402."],
    }
    # VAT-inclusive figures are not Front Payment's: a gross amount is a mismatch.
    gross = seed_order(**{"products.0.tax": "25", "products.0.amount": "63.75"})
    assert field_errors(await front.post(CREATE, json=gross, headers=await front_key(api)))[
        "products.0.amount"
    ] == ["totalsMismatch", "Expected 51.00, got 63.75."]


async def test_the_invoice_fee_needs_the_merchants_fee(api: Api, front: httpx.AsyncClient) -> None:
    errors = field_errors(await front.post(CREATE, json=seed_order(), headers=await front_key(api)))
    assert errors["invoiceFeeApplicable"][0] == "invoiceFeeNotConfigured"


async def test_every_problem_is_named_at_once(api: Api, front: httpx.AsyncClient) -> None:
    body = seed_order(**{"customerDetails.personalNumber": "15058510171", "orderSummary.grandTotal": "50"})
    errors = field_errors(await front.post(CREATE, json=body, headers=await front_key(api)))
    assert set(errors) == {"customerDetails.personalNumber", "orderSummary.grandTotal"}
