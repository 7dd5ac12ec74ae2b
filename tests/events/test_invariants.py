"""Whatever happens to an invoice, its events tell it: every change its GET shows comes with events
(the last an invoice.updated carrying exactly that GET), no change comes with none, and a refused
request writes nothing at all."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.kit.db import Database
from tests.events.support import events_of
from tests.factories import Api, new_merchant
from tests.invoices.helpers import INVOICES, LINES_TOTAL, draft, fetch

INTENTS = "/api/v1/PaymentIntents"

Op = tuple[str, int]
OPS = st.lists(
    st.tuples(
        st.sampled_from(["pay", "refund", "credit", "send", "void", "uncollectible"]),
        st.integers(min_value=1, max_value=LINES_TOTAL),
    ),
    min_size=1,
    max_size=6,
)


async def _step(api: Api, invoice_id: str, method: str, url: str, body: Any = None) -> httpx.Response:
    """One request, and the invariants of the events it wrote."""
    before_all = await events_of(api)
    before = await fetch(api, invoice_id)
    response = await (api.post(url, json=body) if method == "POST" else api.get(url))
    after_all = await events_of(api)
    new = [e for e in after_all[len(before_all) :] if e["resourceId"] == invoice_id]
    if response.status_code >= 400:
        assert after_all == before_all, response.text
        return response
    after = await fetch(api, invoice_id)
    if after == before:
        assert new == []
    else:
        assert new, f"{method} {url} changed the invoice without an event"
        assert new[-1]["type"] == "invoice.updated"
        assert new[-1]["data"] == after
        for event, following in itertools.pairwise(new):
            if event["type"] != "invoice.updated":
                assert following == {
                    **event,
                    "id": following["id"],
                    "type": "invoice.updated",
                    "createdAt": following["createdAt"],
                }
    return response


async def _apply(api: Api, invoice_id: str, op: Op, paid: list[str]) -> None:
    kind, amount = op
    url = f"{INVOICES}/{invoice_id}"
    if kind == "pay":
        due = (await fetch(api, invoice_id))["amountDue"]
        body = {"invoiceId": invoice_id, "amount": max(due, 1), "currency": "NOK", "gateway": "manual"}
        created = await _step(api, invoice_id, "POST", INTENTS, body)
        if created.status_code == 201:
            intent_id = created.json()["id"]
            received = await _step(
                api, invoice_id, "POST", f"{INTENTS}/{intent_id}/mark-received", {"amount": amount}
            )
            if received.status_code == 200:
                paid.append(intent_id)
    elif kind == "refund" and paid:
        await _step(
            api, invoice_id, "POST", "/api/v1/Refunds", {"paymentIntentId": paid[-1], "amount": amount}
        )
    elif kind == "credit":
        await _step(api, invoice_id, "POST", f"{url}/credit", {"items": [{"position": 1 + amount % 2}]})
    elif kind == "send":
        await _step(api, invoice_id, "POST", f"{url}/send")
    elif kind == "void":
        await _step(api, invoice_id, "POST", f"{url}/void")
    elif kind == "uncollectible":
        await _step(api, invoice_id, "POST", f"{url}/mark-uncollectible")


@settings(max_examples=12, deadline=None)
@given(ops=OPS)
async def test_any_sequence_of_invoice_operations_is_told_by_its_events(
    client: httpx.AsyncClient, database: Database, ops: list[Op]
) -> None:
    api = await new_merchant(client, database)
    invoice = await draft(api)
    await _step(api, invoice["id"], "POST", f"{INVOICES}/{invoice['id']}/finalize")
    paid: list[str] = []
    for op in ops:
        await _apply(api, invoice["id"], op, paid)
    updates = await events_of(api, type="invoice.updated", resourceId=invoice["id"])
    assert updates[-1]["data"] == await fetch(api, invoice["id"])
