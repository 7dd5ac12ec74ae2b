"""The FeeWise Invoice rendered from a native invoice event's data is the one a GET answers: the
webhooks can render from the event alone."""

from __future__ import annotations

import httpx

from faktura.dialects.feewise import views
from faktura.kit.db import Database
from faktura.kit.ids import from_uuid
from tests.dialects.feewise.conformance import conforms
from tests.dialects.feewise.invoicing import INVOICES, created, example, firm_taking_aud
from tests.dialects.feewise.support import feewise
from tests.factories import Api

__all__ = ["feewise"]


async def test_an_invoice_event_renders_as_the_get_answers(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, example(api))
    native_id = from_uuid("inv", invoice["invoice_id"])
    events = (await api.get("/api/v1/Events", params={"resourceId": native_id, "limit": 100})).json()["data"]
    finalized = next(event for event in events if event["type"] == "invoice.finalized")
    rendered = views.invoice_of_event(api.merchant_id, finalized["data"])
    body = {"invoice": rendered.model_dump(mode="json", exclude_none=True)}
    read = await feewise.get(f"{INVOICES}/{invoice['invoice_id']}", headers=headers)
    assert body == read.json()
    # And it conforms to FeeWise's document as the GET's body does.
    conforms(httpx.Response(200, json=body), "getInvoiceById")
