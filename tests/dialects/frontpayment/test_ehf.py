"""Front Payment's `orders/ehf/create`: a corporate PEPPOL participant's order, its invoice sent by EHF
alone; anyone else is refused in Front Payment's body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from tests.delivery.servers import outbox_files
from tests.delivery.support import (
    BUYER_PARTICIPANT,
    deliver_due,
    deliveries,
    delivery_settings,
    registered_seller,
    tries,
)
from tests.dialects.frontpayment.support import field_errors, front_key, seed_order
from tests.factories import Api

EHF = "/connect/orders/ehf/create"
CORPORATE = {
    "customerDetails.type": "corporate",
    "customerDetails.personalNumber": None,
    "customerDetails.organizationId": BUYER_PARTICIPANT.removeprefix("0192:"),
    "customerDetails.name": "Brønnøysundregistrene",
}


@pytest.fixture
def ehf_settings(settings: Settings, tmp_path: Path) -> Settings:
    """A data directory of the test's own whose PEPPOL directory has the buyer."""
    (tmp_path / "peppol").mkdir()
    (tmp_path / "peppol" / "participants.txt").write_text(f"{BUYER_PARTICIPANT}\n")
    return delivery_settings(settings, data_dir=tmp_path)


@pytest.fixture
async def ehf_front(ehf_settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(ehf_settings, database), client=("10.77.2.1", 4000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://faktura.test/frontpayment/api/v1"
    ) as client:
        yield client


def _body(**changes: Any) -> dict[str, Any]:
    return seed_order(invoiceFeeApplicable=False, invoiceMaturity=30, **{**CORPORATE, **changes})


async def test_a_corporate_participants_invoice_goes_by_ehf(
    api: Api, database: Database, ehf_front: httpx.AsyncClient, ehf_settings: Settings
) -> None:
    await registered_seller(database, api)
    response = await ehf_front.post(EHF, json=_body(), headers=await front_key(api))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["message"], body["data"]["uuid"][:3]) == ("orderAddedSuccessfully", "ODR")
    order_id = "ord_" + body["data"]["uuid"].removeprefix("ODR")
    [invoice] = (await api.get("/api/v1/Invoices", params={"orderId": order_id})).json()["data"]
    await deliver_due(database, ehf_settings)
    [delivery] = await deliveries(api, invoice["id"])
    assert (delivery["status"], delivery["channel"]) == ("delivered", "ehf")
    assert tries(delivery) == [("ehf", "delivered", None)]
    [ehf] = outbox_files(ehf_settings.data_dir, delivery["id"])
    assert ehf.startswith("ehf/")


async def test_a_private_customer_is_refused(api: Api, ehf_front: httpx.AsyncClient) -> None:
    response = await ehf_front.post(EHF, json=seed_order(), headers=await front_key(api))
    assert field_errors(response)["customerDetails.type"][0] == "corporateOnly"
    assert response.json()["message"] == "validationError"
    assert (await api.get("/api/v1/Orders")).json()["data"] == []


async def test_an_organisation_that_is_no_peppol_participant_is_refused(
    api: Api, ehf_front: httpx.AsyncClient
) -> None:
    # A valid organisation number (mod 11) that the directory does not have.
    response = await ehf_front.post(
        EHF, json=_body(**{"customerDetails.organizationId": "921605900"}), headers=await front_key(api)
    )
    errors = field_errors(response)
    assert list(errors) == ["customerDetails.organizationId"]
    assert errors["customerDetails.organizationId"][0] == "notPeppolParticipant"
    assert (await api.get("/api/v1/Orders")).json()["data"] == []
    assert (await api.get("/api/v1/Customers")).json()["data"] == []
