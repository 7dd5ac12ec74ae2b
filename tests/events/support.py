"""Reading a merchant's events back through the API, and comparing them with the resources they name."""

from __future__ import annotations

from typing import Any

from tests.factories import Api

EVENTS = "/api/v1/Events"
URLS = {
    "customer": "/api/v1/Customers",
    "order": "/api/v1/Orders",
    "payment_intent": "/api/v1/PaymentIntents",
    "refund": "/api/v1/Refunds",
    "invoice": "/api/v1/Invoices",
    "credit_note": "/api/v1/CreditNotes",
}


async def events_of(api: Api, **params: Any) -> list[dict[str, Any]]:
    """Every event of the merchant that matches the filters, walked by cursor, oldest first."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        response = await api.get(EVENTS, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        found.extend(body["data"])
        cursor = body["nextCursor"]
        if cursor is None:
            return found[::-1]


async def happened(api: Api, **params: Any) -> list[tuple[str, str]]:
    """(type, resourceId) of each event, oldest first."""
    return [(e["type"], e["resourceId"]) for e in await events_of(api, **params)]


async def current(api: Api, event: dict[str, Any]) -> dict[str, Any]:
    """The event's resource as its GET answers now."""
    response = await api.get(f"{URLS[event['resource']]}/{event['resourceId']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def assert_latest_match(api: Api, events: list[dict[str, Any]]) -> None:
    """The last event of each resource carries exactly what that resource's GET returns now (payments
    have no GET; deleted resources none any more)."""
    latest = {e["resourceId"]: e for e in events if e["resource"] in URLS}
    for event in latest.values():
        if event["type"].endswith(".deleted"):
            continue
        assert event["data"] == await current(api, event), event["type"]
