"""What every Front Payment route shares: the bearer key, Front Payment's envelope and error body."""

from __future__ import annotations

import httpx

from faktura.kit.db import Database
from tests.dialects.frontpayment.support import CREATE, field_errors, front, front_key, seed_order, with_fee
from tests.factories import Api, new_merchant

__all__ = ["front"]


async def test_the_seeds_order_is_created_in_front_payments_envelope(
    api: Api, front: httpx.AsyncClient
) -> None:
    await with_fee(api)
    response = await front.post(CREATE, json=seed_order(), headers=await front_key(api))
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"status_code", "status_message", "message", "is_data", "data"}
    assert (body["status_code"], body["status_message"], body["message"], body["is_data"]) == (
        201,
        "OK",
        "orderAddedSuccessfully",
        False,
    )
    assert set(body["data"]) == {"uuid", "customerUuid"}
    assert body["data"]["uuid"].startswith("ODR")
    assert body["data"]["customerUuid"].startswith("CSRT")


async def test_a_missing_wrong_or_foreign_key_is_a_401(api: Api, front: httpx.AsyncClient) -> None:
    body = seed_order()
    missing = await front.post(CREATE, json=body)
    assert field_errors(missing, 401) == {"detail": [missing.json()["errors"]["detail"][0]]}
    assert (missing.json()["status_message"], missing.json()["message"]) == ("Unauthorized", "missingApiKey")
    wrong = await front.post(CREATE, json=body, headers={"Authorization": "Bearer fk_not_a_key"})
    field_errors(wrong, 401)
    assert wrong.json()["message"] == "invalidApiKey"
    for dialect in ("farpay", "native"):
        foreign = await front.post(CREATE, json=body, headers=await front_key(api, dialect))
        field_errors(foreign, 401)
        assert foreign.json()["message"] == "apiKeyWrongScope"
    await with_fee(api)
    everywhere = await front.post(CREATE, json=body, headers=await front_key(api, "all"))
    assert everywhere.status_code == 201, everywhere.text


async def test_a_body_that_is_not_json_is_refused_in_front_payments_body(
    api: Api, front: httpx.AsyncClient
) -> None:
    headers = {**await front_key(api), "Content-Type": "application/json"}
    response = await front.post(CREATE, content=b"{not json", headers=headers)
    assert response.json()["is_error"] is True
    assert response.json()["status_code"] == response.status_code


async def test_the_dialect_has_its_own_openapi_document(front: httpx.AsyncClient) -> None:
    document = (await front.get("/openapi.json")).json()
    operation = document["paths"]["/connect/orders/invoice/create"]["post"]
    assert {"201", "401", "422", "500"} <= set(operation["responses"])
    assert "`validationError`" in operation["responses"]["422"]["description"]


async def test_a_merchant_not_ready_to_issue_invoices_is_told_in_front_payments_body(
    client: httpx.AsyncClient, database: Database, front: httpx.AsyncClient
) -> None:
    unready = await new_merchant(client, database, seller_details=False)
    body = seed_order(invoiceFeeApplicable=False)
    response = await front.post(CREATE, json=body, headers=await front_key(unready))
    assert response.json()["message"] == "sellerDetailsMissing"
    field_errors(response, response.status_code)
    assert response.status_code < 500
    # Nothing of the refused order was kept, its customer neither.
    assert (await unready.get("/api/v1/Customers")).json()["data"] == []
