"""A channel partner's endpoint: it hears every merchant linked to it (those linked later too) beside
the merchants' own endpoints, sends its credentials, and stays out of the merchants' lists."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from sqlalchemy import delete

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.models import Partner
from faktura.partners import service as partners
from faktura.webhooks import formats, partner_webhooks
from faktura.webhooks.authentication import Place, Scheme, checked
from tests.factories import Api, new_merchant
from tests.webhooks.flows import deliver_due, endpoint_at, new_customer, signed_by
from tests.webhooks.receiver import receiving

FORMAT = "test.partner"


async def _render(_: object, event: formats.EventFacts) -> bytes:
    return orjson.dumps({"kind": event.type, "merchant": event.merchant_id})


formats.register(FORMAT, _render)


@pytest.fixture
async def partner(database: Database) -> AsyncIterator[str]:
    async with database.transaction() as session:
        made = await partners.create(session, "Hooks native partner")
    yield made.partner.id
    async with database.transaction() as session:
        await session.execute(delete(Partner).where(Partner.id == made.partner.id))


async def test_a_partners_endpoint_hears_its_merchants_beside_their_own_endpoints(
    hooks: Api,
    partner: str,
    private_client: httpx.AsyncClient,
    database: Database,
    private_settings: Settings,
) -> None:
    later = await new_merchant(private_client, database)
    stranger = await new_merchant(private_client, database)
    with receiving() as receiver:
        own = await endpoint_at(hooks, receiver, events=["customer.created"])
        async with database.transaction() as session:
            await partners.link(session, partner, hooks.merchant_id)
            credentials = checked(Scheme.bearer, Place.header, {"token": "tok-1"}, field="data")
            await partner_webhooks.create(
                session,
                private_settings,
                partner,
                FORMAT,
                partner_webhooks.PartnerEndpoint(
                    url=receiver.url + "/partner",
                    events=["customer.created"],
                    name="all firms",
                    description=None,
                    enabled=True,
                    authentication=credentials,
                ),
            )
        await new_customer(hooks)
        async with database.transaction() as session:
            await partners.link(session, partner, later.merchant_id)
        await new_customer(later)
        await new_customer(stranger)
        await deliver_due(database, private_settings)
        heard = receiver.received("/partner")
        [theirs] = receiver.received(own["path"])
    assert signed_by(theirs, own["secret"])
    assert "authorization" not in theirs.headers
    assert sorted(r.json()["merchant"] for r in heard) == sorted([hooks.merchant_id, later.merchant_id])
    assert {r.headers["authorization"] for r in heard} == {"Bearer tok-1"}
    assert all("webhook-signature" not in r.headers for r in heard)
    # Each merchant's lists show its own endpoints and their deliveries only.
    listed = (await hooks.get("/api/v1/WebhookEndpoints")).json()["data"]
    assert [e["id"] for e in listed] == [own["id"]]
    deliveries = (await hooks.get("/api/v1/WebhookDeliveries")).json()["data"]
    assert {d["endpointId"] for d in deliveries} == {own["id"]}
    assert (await later.get("/api/v1/WebhookDeliveries")).json()["data"] == []
