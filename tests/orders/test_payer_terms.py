"""What a provider's dialect maps onto: the order's language, its token, and a customer named later."""

from __future__ import annotations

import pytest

from faktura.customers import service as customers
from faktura.kit.db import Database
from faktura.kit.errors import ValidationFailed
from faktura.orders import service
from faktura.orders.errors import OrderCustomerFixed, OrderNotFound
from faktura.payments import service as payments
from tests.factories import Api, customer_body, new_merchant, order_body


async def test_an_order_speaks_the_language_it_is_given(api: Api) -> None:
    customer = await api.created("/api/v1/Customers", customer_body(preferredLanguage="sv"))
    given = await api.created("/api/v1/Orders", order_body(customerId=customer["id"], language="da-DK"))
    assert given["quote"]["language"] == "da"
    # Without one, the customer's; without a customer, the merchant's country's.
    assert (await api.created("/api/v1/Orders", order_body(customerId=customer["id"])))["quote"][
        "language"
    ] == "sv"
    assert (await api.created("/api/v1/Orders", order_body()))["quote"]["language"] == "no"
    # A change keeps it, unless it names another language or another customer.
    kept = await api.patch(f"/api/v1/Orders/{given['id']}", json={"reference": "PO-7"})
    assert kept.json()["quote"]["language"] == "da"
    changed = await api.patch(f"/api/v1/Orders/{given['id']}", json={"language": "en"})
    assert changed.json()["quote"]["language"] == "en"
    other = await api.created("/api/v1/Customers", customer_body(preferredLanguage="de"))
    moved = await api.patch(f"/api/v1/Orders/{given['id']}", json={"customerId": other["id"]})
    assert moved.json()["quote"]["language"] == "de"
    refused = await api.post("/api/v1/Orders", json=order_body(language="fo"))
    assert refused.status_code == 422
    assert [(d["field"], d["code"]) for d in refused.json()["error"]["details"]] == [
        ("language", "unsupported_language")
    ]


async def test_an_order_is_found_by_its_token_for_its_merchant_only(
    api: Api, client: object, database: Database
) -> None:
    order = await api.created("/api/v1/Orders", order_body())
    other = await new_merchant(client, database)  # type: ignore[arg-type]
    async with database.transaction() as session:
        found = await service.by_token(session, api.merchant_id, order["token"])
        assert found.id == order["id"]
        for merchant_id, token in ((other.merchant_id, order["token"]), (api.merchant_id, "pay_none")):
            with pytest.raises(OrderNotFound):
                await service.by_token(session, merchant_id, token)


async def test_a_customer_is_named_once_on_an_order_made_without_one(api: Api, database: Database) -> None:
    order = await api.created("/api/v1/Orders", order_body())
    first = await api.created("/api/v1/Customers", customer_body(externalId="C-1"))
    second = await api.created("/api/v1/Customers", customer_body())
    async with database.transaction() as session:
        with pytest.raises(ValidationFailed):
            await service.attach_customer(session, api.merchant_id, order["id"], "cus_none")
        named = await service.attach_customer(session, api.merchant_id, order["id"], first["id"])
        assert named.customer_id == first["id"]
        again = await service.attach_customer(session, api.merchant_id, order["id"], first["id"])
        assert again.customer_id == first["id"]
        with pytest.raises(OrderCustomerFixed):
            await service.attach_customer(session, api.merchant_id, order["id"], second["id"])
        found = await customers.by_external_id(session, api.merchant_id, "C-1")
        assert found is not None
        assert found.id == first["id"]
        assert await customers.by_external_id(session, api.merchant_id, "C-2") is None
    events = (await api.get("/api/v1/Events", params={"type": "order.updated"})).json()["data"]
    assert [e["data"]["customerId"] for e in events] == [first["id"]]
    cancelled = await api.created("/api/v1/Orders", order_body())
    assert (await api.post(f"/api/v1/Orders/{cancelled['id']}/cancel")).status_code == 200
    async with database.transaction() as session:
        with pytest.raises(OrderCustomerFixed):
            await service.attach_customer(session, api.merchant_id, cancelled["id"], first["id"])


async def test_the_intent_statuses_of_many_orders_are_read_at_once(api: Api, database: Database) -> None:
    paid = await api.created("/api/v1/Orders", order_body())
    waiting = await api.created("/api/v1/Orders", order_body())
    bare = await api.created("/api/v1/Orders", order_body())
    for order, token in ((paid, "tok_success"), (waiting, None)):
        body = {"orderId": order["id"], "amount": order["total"], "currency": "NOK", "gateway": "test"}
        await api.created(
            "/api/v1/PaymentIntents", {**body, **({"paymentMethodToken": token} if token else {})}
        )
    async with database.transaction() as session:
        statuses = await payments.intent_statuses_of_orders(
            session, api.merchant_id, [paid["id"], waiting["id"], bare["id"]]
        )
    assert statuses == {paid["id"]: ["succeeded"], waiting["id"]: ["requires_payment_method"], bare["id"]: []}
