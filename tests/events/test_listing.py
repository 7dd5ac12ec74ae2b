"""GET /api/v1/Events: newest first by cursor, filtered by type, resource and time, one merchant's only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from faktura.kit import clock
from faktura.kit.db import Database
from tests.asserts import all_pages, error_code, invalid_fields
from tests.events.support import EVENTS, events_of, happened
from tests.factories import Api, customer_body, new_merchant, order_body

CUSTOMERS = "/api/v1/Customers"


@pytest.fixture
def frozen() -> Iterator[None]:
    yield
    clock.freeze(None)


async def _history(api: Api) -> tuple[str, str]:
    """A customer created, changed and deleted, and an order created: five events."""
    customer = await api.created(CUSTOMERS, customer_body())
    await api.patch(f"{CUSTOMERS}/{customer['id']}", json={"name": "Kari N."})
    order = await api.created("/api/v1/Orders", order_body(customerId=customer["id"]))
    await api.post(f"/api/v1/Orders/{order['id']}/cancel")
    await api.delete(f"{CUSTOMERS}/{customer['id']}")
    return customer["id"], order["id"]


async def test_the_list_is_newest_first_and_walks_by_cursor(api: Api) -> None:
    await _history(api)
    newest_first = (await api.get(EVENTS)).json()
    assert newest_first["nextCursor"] is None
    ids = [e["id"] for e in newest_first["data"]]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 5
    assert newest_first["data"][0]["type"] == "customer.deleted"
    assert await all_pages(api, EVENTS, 2) == [ids[:2], ids[2:4], ids[4:]]
    one = await api.get(f"{EVENTS}/{ids[2]}")
    assert one.status_code == 200
    assert one.json() == newest_first["data"][2]


async def test_types_filter_repeated_or_comma_separated(api: Api) -> None:
    customer_id, order_id = await _history(api)
    wanted = [("customer.created", customer_id), ("order.cancelled", order_id)]
    assert await happened(api, type=["customer.created", "order.cancelled"]) == wanted
    assert await happened(api, type="customer.created, order.cancelled") == wanted
    assert await happened(api, type="customer.updated") == [("customer.updated", customer_id)]
    assert await happened(api, type="invoice.paid") == []


async def test_resource_and_resource_id_filters(api: Api) -> None:
    customer_id, order_id = await _history(api)
    assert await happened(api, resource="order") == [
        ("order.created", order_id),
        ("order.cancelled", order_id),
    ]
    assert [t for t, _ in await happened(api, resourceId=customer_id)] == [
        "customer.created",
        "customer.updated",
        "customer.deleted",
    ]
    assert await happened(api, resource="customer", type="order.created") == []


async def test_created_from_and_to_bound_the_time(api: Api, frozen: None) -> None:
    moments = [datetime(2031, 3, day, 12, tzinfo=UTC) for day in (1, 2, 3)]
    made = []
    for moment in moments:
        clock.freeze(moment)
        made.append((await api.created(CUSTOMERS, customer_body()))["id"])
    clock.freeze(None)
    between = await events_of(api, createdFrom="2031-03-02T12:00:00Z", createdTo="2031-03-03T12:00:00Z")
    assert [e["resourceId"] for e in between] == [made[1]]
    assert between[0]["createdAt"] == "2031-03-02T12:00:00Z"
    # Without a zone a time is UTC, as everywhere in the API.
    since = await events_of(api, createdFrom="2031-03-02T12:00:00")
    assert [e["resourceId"] for e in since] == made[1:]


async def test_unknown_types_and_resources_are_a_422_not_an_empty_page(api: Api) -> None:
    assert invalid_fields(await api.get(EVENTS, params={"type": "invoice.payed"})) == [
        ("type", "unknown_event_type")
    ]
    assert invalid_fields(await api.get(EVENTS, params={"type": ["order.paid", "nope,order.created"]})) == [
        ("type", "unknown_event_type")
    ]
    assert invalid_fields(await api.get(EVENTS, params={"resource": "orders"})) == [
        ("resource", "unknown_resource")
    ]
    assert invalid_fields(await api.get(EVENTS, params={"createdFrom": "yesterday"}))[0][0] == "createdFrom"
    assert invalid_fields(await api.get(EVENTS, params={"cursor": "zzz"})) == [("cursor", "invalid_cursor")]


async def test_a_merchant_sees_only_its_own_events(
    api: Api, client: httpx.AsyncClient, database: Database
) -> None:
    customer_id, _ = await _history(api)
    other = await new_merchant(client, database)
    theirs = await api.created(CUSTOMERS, customer_body())
    mine = (await api.get(EVENTS)).json()["data"]
    assert (await other.get(EVENTS)).json() == {"data": [], "nextCursor": None}
    assert await happened(other, resourceId=customer_id) == []
    missing = await other.get(f"{EVENTS}/{mine[0]['id']}")
    assert error_code(missing, 404) == "event_not_found"
    assert error_code(await api.get(f"{EVENTS}/evt_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404) == "event_not_found"
    assert mine[0]["resourceId"] == theirs["id"]


async def test_events_need_a_token(client: httpx.AsyncClient) -> None:
    assert error_code(await client.get(EVENTS), 401) == "missing_token"
