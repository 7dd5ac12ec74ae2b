"""What a run needs in the merchant's account, made through the API: a token, products, a coupon.

The order body is the one every request sends: five lines, catalog products and free lines with their
own price and rate, over 25% and 15% VAT, with the 10% coupon BENCH10.
"""

from __future__ import annotations

from typing import Any

import httpx

ORDERS_PATH = "/api/v1/Orders"
COUPON_CODE = "BENCH10"
HTTP_TIMEOUT_SECONDS = 30.0


def _check(response: httpx.Response, status: int) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


def _tax_rule(client: httpx.Client, rate: str) -> str:
    rules = _check(client.get("/api/v1/TaxRules", params={"limit": 100}), 200)["data"]
    for rule in rules:
        if rule["rate"] == rate and rule["category"] == "S" and rule["active"]:
            return str(rule["id"])
    raise RuntimeError(f"no standard {rate}% VAT rule among the defaults")


def _product(client: httpx.Client, name: str, unit_price: int, unit_code: str, rule_id: str) -> str:
    body = {
        "name": name,
        "unitPrice": unit_price,
        "currency": "NOK",
        "unitCode": unit_code,
        "taxRuleId": rule_id,
    }
    return str(_check(client.post("/api/v1/Products", json=body), 201)["id"])


def order_body(consulting: str, book: str) -> dict[str, Any]:
    return {
        "currency": "NOK",
        "couponCode": COUPON_CODE,
        "reference": "bench",
        "items": [
            {"productId": consulting, "quantity": "2"},
            {"productId": book, "quantity": "3"},
            {"description": "Setup fee", "quantity": "1", "unitPrice": 49900, "taxRate": "25"},
            {"description": "Printed manual", "quantity": "2", "unitPrice": 24900, "taxRate": "15"},
            {"productId": consulting, "quantity": "1.5", "discount": 10000},
        ],
    }


def prepare(base_url: str, api_key: str) -> tuple[str, dict[str, Any]]:
    """The bearer token and the order body; one order is POSTed to prove the body is accepted."""
    with httpx.Client(base_url=base_url, timeout=HTTP_TIMEOUT_SECONDS) as client:
        token = str(_check(client.post("/api/v1/Auth/token", json={"apiKey": api_key}), 200)["accessToken"])
        client.headers["Authorization"] = f"Bearer {token}"
        consulting = _product(client, "Consulting hour", 120000, "HUR", _tax_rule(client, "25"))
        book = _product(client, "Cookbook", 34900, "EA", _tax_rule(client, "15"))
        _check(client.post("/api/v1/Coupons", json={"code": COUPON_CODE, "percentOff": "10"}), 201)
        body = order_body(consulting, book)
        probe = client.post(ORDERS_PATH, json=body, headers={"Idempotency-Key": "bench-probe"})
        order = _check(probe, 201)
        if order["discountTotal"] <= 0 or len(order["taxes"]) != 2:
            raise RuntimeError(f"the probe order lacks the coupon or a VAT rate: {order}")
    return token, body
