"""Customers: created, changed (PATCH and PUT) and deleted, each an event with the customer as returned."""

from __future__ import annotations

from tests.asserts import error_code, invalid_fields
from tests.events.support import events_of, happened
from tests.factories import Api, corporate_body, customer_body

CUSTOMERS = "/api/v1/Customers"


async def test_each_change_of_a_customer_is_an_event_with_the_customer_as_returned(api: Api) -> None:
    created = await api.created(CUSTOMERS, customer_body(externalId="crm-1"))
    url = f"{CUSTOMERS}/{created['id']}"
    patched = (await api.patch(url, json={"email": "kari@nordmann.no"})).json()
    replaced = (await api.put(url, json=corporate_body(externalId="crm-1"))).json()
    assert (await api.delete(url)).status_code == 204
    events = await events_of(api)
    assert [e["type"] for e in events] == [
        "customer.created",
        "customer.updated",
        "customer.updated",
        "customer.deleted",
    ]
    assert {(e["resource"], e["resourceId"]) for e in events} == {("customer", created["id"])}
    assert [e["data"] for e in events[:3]] == [created, patched, replaced]
    deleted = events[3]["data"]
    # The last state: the external id is released so another customer can take it.
    assert deleted == {**replaced, "externalId": None, "updatedAt": deleted["updatedAt"]}


async def test_a_refused_customer_change_records_nothing(api: Api) -> None:
    assert ("organizationNumber", "required") in invalid_fields(
        await api.post(CUSTOMERS, json=customer_body(type="corporate"))
    )
    first = await api.created(CUSTOMERS, customer_body(externalId="crm-2"))
    taken = await api.post(CUSTOMERS, json=customer_body(externalId="crm-2"))
    assert error_code(taken, 409) == "external_id_taken"
    assert error_code(await api.delete(f"{CUSTOMERS}/cus_missing"), 404) == "customer_not_found"
    assert await happened(api) == [("customer.created", first["id"])]
