from __future__ import annotations

from tests.factories import Api, order_body


async def test_order_round_trip(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body())
    fetched = (await api.get(f"/api/v1/Orders/{order['id']}")).json()
    assert fetched == order
    assert order["status"] == "draft"
    assert order["total"] == 2 * 12500 + 23000
