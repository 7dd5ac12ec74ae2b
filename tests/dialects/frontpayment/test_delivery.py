"""An invoice order's invoice is delivered by the worker in Front Payment's order: the seed's private
buyer by e-mail (no e-faktura here), a corporate PEPPOL participant by EHF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

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
    unique_email,
)
from tests.dialects.frontpayment.support import CREATE, front, front_key, seed_order, with_fee
from tests.factories import Api

__all__ = ["front"]


async def _delivered(
    api: Api, database: Database, front: httpx.AsyncClient, body: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """The order created, then the worker's due deliveries run; the order's invoice's delivery."""
    response = await front.post(CREATE, json=body, headers=await front_key(api))
    assert response.status_code == 201, response.text
    order_id = "ord_" + response.json()["data"]["uuid"].removeprefix("ODR")
    [invoice] = (await api.get("/api/v1/Invoices", params={"orderId": order_id})).json()["data"]
    await deliver_due(database, settings)
    [delivery] = await deliveries(api, invoice["id"])
    return delivery


async def test_the_seeds_private_buyer_gets_the_invoice_by_email(
    api: Api, database: Database, front: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    await registered_seller(database, api)
    await with_fee(api)
    email = unique_email("kari")
    body = seed_order(**{"customerDetails.email": email})
    delivery = await _delivered(api, database, front, body, delivery_settings(settings, data_dir=tmp_path))
    assert (delivery["status"], delivery["channel"]) == ("delivered", "email")
    assert tries(delivery) == [("ehf", "skipped", "no_participant_id"), ("email", "delivered", None)]
    assert delivery["attempts"][1]["recipient"] == email


async def test_a_corporate_peppol_participant_gets_ehf(
    api: Api, database: Database, front: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    await registered_seller(database, api)
    (tmp_path / "peppol").mkdir()
    (tmp_path / "peppol" / "participants.txt").write_text(f"{BUYER_PARTICIPANT}\n")
    body = seed_order(
        invoiceFeeApplicable=False,
        invoiceMaturity=30,
        customerReference="Ola Nordmann",
        referenceNo="PO-77",
        **{
            "customerDetails.type": "corporate",
            "customerDetails.personalNumber": None,
            "customerDetails.organizationId": BUYER_PARTICIPANT.removeprefix("0192:"),
            "customerDetails.name": "Brønnøysundregistrene",
        },
    )
    delivery = await _delivered(api, database, front, body, delivery_settings(settings, data_dir=tmp_path))
    assert (delivery["status"], delivery["channel"]) == ("delivered", "ehf")
    [ehf] = outbox_files(tmp_path, delivery["id"])
    ubl = (tmp_path / "outbox" / ehf).read_text()
    assert "<cbc:BuyerReference>Ola Nordmann</cbc:BuyerReference>" in ubl
    assert "PO-77" in ubl
