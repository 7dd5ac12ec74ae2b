"""The books against the documents, over random sequences of billing operations through the public API.

After every operation: each entry balances, the trial balance's columns are equal, no (kind, source)
is posted twice, and per customer and currency what the ledger says the customer owes (receivables 1500
less credit held on 2900) equals what their invoices still owe less their credit balance and less money
paid for orders that are not invoiced yet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import Phase, given, note, settings
from hypothesis import strategies as st

from faktura.kit.db import Database
from tests.asserts import error_code
from tests.factories import Api, customer_body, new_merchant

INVOICES = "/api/v1/Invoices"
INTENTS = "/api/v1/PaymentIntents"
CURRENCIES = ("NOK", "EUR")
RATES = ("25", "15", "12", "0")


@dataclass(frozen=True)
class Op:
    name: str
    customer: int
    pick: int
    share: int  # percent of what an amount could be
    currency: str
    lines: tuple[tuple[int, int, str], ...]  # (quantity, unit price, VAT rate)


ops = st.builds(
    Op,
    name=st.sampled_from(
        [
            "invoice",
            "invoice",
            "pay_card",
            "pay_bank",
            "prepay_order",
            "invoice_order",
            "refund",
            "credit_whole",
            "credit_line",
            "write_off",
            "void",
            "replay",
        ]
    ),
    customer=st.integers(0, 1),
    pick=st.integers(0, 20),
    share=st.integers(1, 100),
    currency=st.sampled_from(CURRENCIES),
    lines=st.lists(
        st.tuples(st.integers(1, 3), st.integers(1, 200_000), st.sampled_from(RATES)), min_size=1, max_size=3
    ).map(tuple),
)


@dataclass
class World:
    api: Api
    customers: list[str]
    invoices: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    orders_to_invoice: list[str] = field(default_factory=list)
    last_post: tuple[str, dict[str, Any], str] | None = None
    keys: int = 0

    def pick(self, items: list[str], op: Op) -> str | None:
        return items[op.pick % len(items)] if items else None

    async def post(self, url: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """Every POST with an Idempotency-Key, so `replay` can send the last one again."""
        self.keys += 1
        key = f"op-{self.keys}"
        self.last_post = (url, body or {}, key)
        return await self.api.post(url, json=body or {}, headers={"Idempotency-Key": key})


def _items(op: Op) -> list[dict[str, Any]]:
    return [
        {"description": f"Line {i}", "quantity": str(q), "unitPrice": price, "taxRate": rate}
        for i, (q, price, rate) in enumerate(op.lines)
    ]


def _refused(response: httpx.Response) -> None:
    """An operation that does not fit the document's state now is refused, and nothing else happens."""
    assert response.status_code in (409, 422), response.text


async def _run(world: World, op: Op) -> None:
    api = world.api
    customer = world.customers[op.customer]
    if op.name == "invoice":
        body = {"customerId": customer, "currency": op.currency, "items": _items(op)}
        draft = await api.created(INVOICES, body)
        response = await world.post(f"{INVOICES}/{draft['id']}/finalize")
        assert response.status_code == 200, response.text
        world.invoices.append(draft["id"])
    elif op.name in ("pay_card", "pay_bank"):
        invoice_id = world.pick(world.invoices, op)
        if invoice_id is None:
            return
        invoice = (await api.get(f"{INVOICES}/{invoice_id}")).json()
        body = {
            "invoiceId": invoice_id,
            "amount": max(invoice["amountDue"], 1),
            "currency": invoice["currency"],
            "gateway": "test" if op.name == "pay_card" else "manual",
        }
        if op.name == "pay_card":
            body["paymentMethodToken"] = "tok_success"
        response = await world.post(INTENTS, body)
        # Also refused: a second intent for an invoice an earlier one paid before a partial refund.
        if response.status_code != 201:
            _refused(response)
            return
        assert invoice["status"] in ("open", "partially_paid"), invoice
        intent = response.json()
        if op.name == "pay_bank":
            received = await world.post(
                f"{INTENTS}/{intent['id']}/mark-received", {"amount": intent["amount"]}
            )
            assert received.status_code == 200, received.text
            intent = received.json()
        assert intent["status"] == "succeeded", intent
        world.intents.append(intent["id"])
    elif op.name == "prepay_order":
        order = await api.created(
            "/api/v1/Orders", {"customerId": customer, "currency": op.currency, "items": _items(op)}
        )
        body = {
            "orderId": order["id"],
            "amount": order["total"],
            "currency": op.currency,
            "gateway": "test",
            "paymentMethodToken": "tok_success",
        }
        response = await world.post(INTENTS, body)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "succeeded", response.text
        world.intents.append(response.json()["id"])
        world.orders_to_invoice.append(order["id"])
    elif op.name == "invoice_order":
        order_id = world.pick(world.orders_to_invoice, op)
        if order_id is None:
            return
        response = await world.post(INVOICES, {"orderId": order_id, "finalize": True})
        world.orders_to_invoice.remove(order_id)
        if response.status_code == 201:
            world.invoices.append(response.json()["id"])
        else:
            # A fully refunded order is cancelled and no longer invoiceable.
            assert error_code(response, 409) == "order_not_invoiceable"
    elif op.name == "refund":
        intent_id = world.pick(world.intents, op)
        if intent_id is None:
            return
        intent = (await api.get(f"{INTENTS}/{intent_id}")).json()
        left = intent["amountReceived"] - intent["amountRefunded"]
        response = await world.post(
            "/api/v1/Refunds", {"paymentIntentId": intent_id, "amount": max(left * op.share // 100, 1)}
        )
        if left == 0:
            _refused(response)
        else:
            assert response.status_code == 201, response.text
    elif op.name in ("credit_whole", "credit_line", "write_off", "void"):
        invoice_id = world.pick(world.invoices, op)
        if invoice_id is None:
            return
        url, body = {
            "credit_whole": (f"{INVOICES}/{invoice_id}/credit", {}),
            "credit_line": (f"{INVOICES}/{invoice_id}/credit", {"items": [{"position": 1, "quantity": "1"}]}),
            "write_off": (f"{INVOICES}/{invoice_id}/mark-uncollectible", {}),
            "void": (f"{INVOICES}/{invoice_id}/void", {}),
        }[op.name]
        response = await world.post(url, body)
        if response.status_code >= 400:
            _refused(response)
    elif op.name == "replay" and world.last_post is not None:
        url, body, key = world.last_post
        before = await _journal(api)
        again = await api.post(url, json=body, headers={"Idempotency-Key": key})
        assert again.status_code < 500, again.text
        assert await _journal(api) == before


async def _journal(api: Api) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        body = (await api.get("/api/v1/Ledger/JournalEntries", params=params)).json()
        entries.extend(body["data"])
        cursor = body["nextCursor"]
        if cursor is None:
            return entries


async def _all(api: Api, url: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        response = await api.get(url, params=query)
        assert response.status_code == 200, response.text
        rows.extend(response.json()["data"])
        cursor = response.json()["nextCursor"]
        if cursor is None:
            return rows


async def _check_books(world: World) -> None:
    api = world.api
    journal = await _journal(api)
    for entry in journal:
        assert sum(x["debit"] for x in entry["lines"]) == sum(x["credit"] for x in entry["lines"]), entry
    posted = Counter((e["kind"], e["source"]["type"], e["source"]["id"]) for e in journal)
    assert [key for key, n in posted.items() if n > 1] == []

    invoices = await _all(api, INVOICES)
    held: Counter[tuple[str, str]] = Counter()
    for order_id in world.orders_to_invoice:
        for intent in await _all(api, INTENTS, orderId=order_id):
            held[(intent["customerId"], intent["currency"])] += (
                intent["amountReceived"] - intent["amountRefunded"]
            )
    for currency in CURRENCIES:
        trial = (await api.get("/api/v1/Ledger/TrialBalance", params={"currency": currency})).json()
        assert trial["totalDebit"] == trial["totalCredit"]
        receivables = sum(a["debit"] - a["credit"] for a in trial["accounts"] if a["account"] == "1500")
        statement_receivables = 0
        for customer in world.customers:
            statement = (
                await api.get(f"/api/v1/Ledger/Customers/{customer}", params={"currency": currency})
            ).json()
            open_balances = sum(
                i["amountDue"]
                for i in invoices
                if i["customerId"] == customer and i["currency"] == currency and i["status"] != "draft"
            )
            credits = (await api.get("/api/v1/CustomerCredits", params={"customerId": customer})).json()
            credit = sum(b["amount"] for b in credits["balances"] if b["currency"] == currency)
            expected = open_balances - credit - held[(customer, currency)]
            assert statement["closingBalance"] == expected, (customer, currency, statement)
            rows = statement["rows"]
            assert [r["balance"] for r in rows] == _running([r["amount"] for r in rows])
            statement_receivables += statement["receivable"]
        assert statement_receivables == receivables


def _running(amounts: list[int]) -> list[int]:
    total, out = 0, []
    for amount in amounts:
        total += amount
        out.append(total)
    return out


# Without shrinking: each step is a handful of requests, and the noted operations already tell the story.
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(sequence=st.lists(ops, min_size=6, max_size=16))
async def test_the_books_agree_with_the_documents_after_every_operation(
    client: httpx.AsyncClient, database: Database, sequence: list[Op]
) -> None:
    api = await new_merchant(client, database)
    accepted = await api.put("/api/v1/Currencies/EUR", json={"accepted": True})
    assert accepted.status_code == 200, accepted.text
    customers = [str((await api.created("/api/v1/Customers", customer_body()))["id"]) for _ in range(2)]
    world = World(api, customers)
    for op in sequence:
        note(repr(op))
        await _run(world, op)
        await _check_books(world)
