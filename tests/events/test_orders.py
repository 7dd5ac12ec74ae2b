"""Orders: each change the merchant makes through the API writes its event, with the order as GET shows it."""

from __future__ import annotations

from tests.asserts import error_code, invalid_fields
from tests.events.support import assert_latest_match, events_of, happened
from tests.factories import Api, order_body

ORDERS = "/api/v1/Orders"


async def test_a_new_order_is_recorded_as_order_created_carrying_the_order_as_returned(api: Api) -> None:
    order = await api.created(ORDERS, order_body(reference="PO-1"))
    [event] = await events_of(api)
    assert list(event) == ["id", "type", "createdAt", "data", "resource", "resourceId"]
    assert event["id"].startswith("evt_")
    assert (event["type"], event["resource"], event["resourceId"]) == ("order.created", "order", order["id"])
    assert event["data"] == order
    assert event["data"] == (await api.get(f"{ORDERS}/{order['id']}")).json()


async def test_editing_and_cancelling_a_draft_are_order_updated_and_order_cancelled(api: Api) -> None:
    order = await api.created(ORDERS, order_body())
    url = f"{ORDERS}/{order['id']}"
    patched = (await api.patch(url, json={"reference": "PO-7", "items": order_body()["items"][:1]})).json()
    cancelled = (await api.post(f"{url}/cancel")).json()
    events = await events_of(api)
    assert [(e["type"], e["resourceId"]) for e in events] == [
        ("order.created", order["id"]),
        ("order.updated", order["id"]),
        ("order.cancelled", order["id"]),
    ]
    assert events[1]["data"] == patched
    assert (events[1]["data"]["reference"], events[1]["data"]["total"]) == ("PO-7", 25000)
    assert events[2]["data"] == cancelled
    assert cancelled["status"] == "cancelled"
    await assert_latest_match(api, events)


async def test_a_refused_request_records_nothing(api: Api) -> None:
    assert invalid_fields(await api.post(ORDERS, json={"currency": "NOK"})) == [("items", "required")]
    order = await api.created(ORDERS, order_body())
    url = f"{ORDERS}/{order['id']}"
    mismatch = await api.patch(url, json={"total": 1})
    assert invalid_fields(mismatch) == [("total", "totals_mismatch")]
    assert (await api.post(f"{url}/cancel")).status_code == 200
    assert error_code(await api.post(f"{url}/cancel"), 409) == "invalid_order_transition"
    assert error_code(await api.patch(url, json={"reference": "late"}), 409) == "order_not_draft"
    assert await happened(api) == [("order.created", order["id"]), ("order.cancelled", order["id"])]


async def test_an_idempotent_replay_writes_no_second_event(api: Api) -> None:
    headers = {"Idempotency-Key": "order-42"}
    first = await api.post(ORDERS, json=order_body(), headers=headers)
    again = await api.post(ORDERS, json=order_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert await happened(api) == [("order.created", first.json()["id"])]
