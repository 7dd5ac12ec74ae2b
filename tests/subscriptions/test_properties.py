"""Properties over random changes and billing runs: a preview is what its change bills, and any number
of concurrent or repeated billing runs bill each period once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import httpx
from hypothesis import example, given, settings
from hypothesis import strategies as st

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.subscriptions import clocks, repository, runs
from tests.factories import Api, customer_body, new_merchant, product, tax_rule_id

SUBS = "/api/v1/Subscriptions"
START = datetime(2027, 1, 31, 10, tzinfo=UTC)


async def _merchant(client: httpx.AsyncClient, database: Database) -> tuple[Api, dict[str, Any]]:
    api = await new_merchant(client, database)
    await api.patch(
        "/api/v1/Merchant", json={"invoiceSettings": {"subscriptions": {"renewalGraceMinutes": 0}}}
    )
    clock = await api.created("/api/v1/TestClocks", {"frozenTime": START.isoformat()})
    customer = await api.created("/api/v1/Customers", customer_body(testClockId=clock["id"]))
    monthly = await api.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    basic = await product(api, name="Basic", unitPrice=9900, unitCode="MON")
    pro = await product(
        api, name="Pro", unitPrice=29900, unitCode="MON", taxRuleId=await tax_rule_id(api, "15")
    )
    return api, {"clock": clock, "customer": customer, "monthly": monthly, "basic": basic, "pro": pro}


async def _advance(api: Api, database: Database, settings_: Settings, clock_id: str, to: datetime) -> None:
    response = await api.post(f"/api/v1/TestClocks/{clock_id}/advance", json={"frozenTime": to.isoformat()})
    assert response.status_code == 200, response.text
    await clocks.run(database, settings_, clock_id)


async def _lines(api: Api, invoice_id: str) -> list[tuple[str, int, int]]:
    invoice = (await api.get(f"/api/v1/Invoices/{invoice_id}")).json()
    return [(i["description"], i["netAmount"], i["taxAmount"]) for i in invoice["items"]]


async def _credited_lines(api: Api, credit_note_id: str) -> list[tuple[str, str, int, int, int]]:
    note = (await api.get(f"/api/v1/CreditNotes/{credit_note_id}")).json()
    return [
        (i["description"], i["quantity"], i["unitPrice"], i["netAmount"], i["taxAmount"])
        for i in note["items"]
    ]


async def _billings(api: Api, subscription_id: str) -> list[dict[str, Any]]:
    response = await api.get(
        "/api/v1/SubscriptionBillingHistories", params={"subscriptionId": subscription_id, "limit": 100}
    )
    return sorted(response.json()["data"], key=lambda row: row["id"])


@settings(max_examples=10, deadline=None)
@given(
    day=st.integers(min_value=0, max_value=27),
    basic=st.integers(min_value=0, max_value=3),
    pro=st.integers(min_value=0, max_value=2),
    mode=st.sampled_from(["invoice_now", "next_invoice", "at_period_end", "none", None]),
)
@example(day=14, basic=1, pro=0, mode="invoice_now")  # a downgrade: a credit note only
@example(day=3, basic=0, pro=1, mode="next_invoice")  # a swap across VAT rates: a credit and a proration
@example(day=0, basic=1, pro=1, mode="invoice_now")  # both at once, on the period's first day
async def test_a_preview_is_exactly_what_its_change_bills(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    day: int,
    basic: int,
    pro: int,
    mode: str | None,
) -> None:
    api, ctx = await _merchant(client, database)
    sub = await api.created(
        SUBS,
        {
            "customerId": ctx["customer"]["id"],
            "items": [{"productId": ctx["basic"]["id"], "quantity": 2}],
            "billingCycleId": ctx["monthly"]["id"],
            "billingAnchor": 31,
            "paymentTermsDays": 365,
        },
    )
    if day:
        await _advance(api, database, settings, ctx["clock"]["id"], START + timedelta(days=day))
    items = [
        {"productId": ctx[name]["id"], "quantity": q} for name, q in (("basic", basic), ("pro", pro)) if q
    ]
    body: dict[str, Any] = {"items": items or [{"productId": ctx["basic"]["id"], "quantity": 1}]}
    if mode is not None:
        body["prorationMode"] = mode
    before = await _billings(api, sub["id"])

    preview = await api.post(f"{SUBS}/{sub['id']}/preview", json=body)
    changed = await api.patch(f"{SUBS}/{sub['id']}", json=body)

    assert preview.status_code == changed.status_code, (preview.text, changed.text)
    if preview.status_code != 200:
        assert preview.json()["error"] == changed.json()["error"]
        return
    shown = preview.json()
    expected = [(line["description"], line["netAmount"], line["taxAmount"]) for line in shown["lines"]]
    made = (await _billings(api, sub["id"]))[len(before) :]
    credited = [row for row in made if row["creditNoteId"]]
    made = [row for row in made if not row["creditNoteId"]]
    # What costs less is credited now, in both modes, by the notes the preview showed.
    assert [(row["invoiceId"], -row["amount"]) for row in credited] == [
        (credit["invoiceId"], credit["total"]) for credit in shown["credits"]
    ]
    for row, credit in zip(credited, shown["credits"], strict=True):
        assert await _credited_lines(api, row["creditNoteId"]) == [
            (line["description"], line["quantity"], line["unitPrice"], line["netAmount"], line["taxAmount"])
            for line in credit["lines"]
        ]
    assert shown["creditTotal"] == sum(credit["total"] for credit in shown["credits"])
    if shown["credits"]:
        assert shown["billed"] in ("now", "next_invoice")
        assert shown["uncredited"] == 0  # nothing but the renewal billed the period
    if shown["billed"] == "now":
        if expected:
            [proration] = made
            assert await _lines(api, proration["invoiceId"]) == expected
            assert proration["amount"] == shown["total"]
        else:
            assert made == []
    elif shown["billed"] == "never":
        assert expected == []
        assert made == []
        assert shown["credits"] == []
    else:
        await _advance(api, database, settings, ctx["clock"]["id"], datetime(2027, 3, 1, 10, tzinfo=UTC))
        renewal = (await _billings(api, sub["id"]))[-1]
        assert renewal["periodStart"] == "2027-02-28"
        billed = await _lines(api, renewal["invoiceId"])
        if shown["billed"] == "at_period_end":
            assert billed == expected
        else:  # next_invoice: the period's own lines, then the proration's
            assert billed[len(billed) - len(expected) :] == expected


@settings(max_examples=8, deadline=None)
@given(first=st.integers(min_value=0, max_value=27), later=st.integers(min_value=0, max_value=27))
async def test_an_upgrade_and_a_downgrade_back_bill_the_days_on_each_plan(
    client: httpx.AsyncClient, database: Database, settings: Settings, first: int, later: int
) -> None:
    """Basic (9900, 25 % VAT) for the period, Pro (29900, 15 %) from day `first` to day `first + later`:
    each change bills what costs more and credits what costs less, and the period's documents come to
    the days on each plan, each rate's net within a minor unit of each of its two cuts."""
    api, ctx = await _merchant(client, database)
    sub = await api.created(
        SUBS,
        {
            "customerId": ctx["customer"]["id"],
            "items": [{"productId": ctx["basic"]["id"]}],
            "billingCycleId": ctx["monthly"]["id"],
            "billingAnchor": 31,
            "paymentTermsDays": 365,
        },
    )
    up, back = first, min(first + later, 27)
    at = 0
    for day, name in ((up, "pro"), (back, "basic")):
        if day > at:
            await _advance(api, database, settings, ctx["clock"]["id"], START + timedelta(days=day))
            at = day
        body = {"items": [{"productId": ctx[name]["id"]}], "prorationMode": "invoice_now"}
        response = await api.patch(f"{SUBS}/{sub['id']}", json=body)
        assert response.status_code == 200, response.text

    rows = await _billings(api, sub["id"])
    nets: dict[str, int] = {}
    gross = 0
    for row in rows:
        if row["creditNoteId"]:
            document, sign = (await api.get(f"/api/v1/CreditNotes/{row['creditNoteId']}")).json(), -1
            assert -row["amount"] == document["total"]
        else:
            document, sign = (await api.get(f"/api/v1/Invoices/{row['invoiceId']}")).json(), 1
        gross += sign * document["total"]
        for tax in document["taxes"]:
            nets[tax["rate"]] = nets.get(tax["rate"], 0) + sign * tax["taxableAmount"]
    invoiced = sum(row["amount"] for row in rows if not row["creditNoteId"])
    assert -sum(row["amount"] for row in rows if row["creditNoteId"]) <= invoiced
    pro_days = back - up
    assert abs(nets.get("25", 0) - Fraction(9900 * (28 - pro_days), 28)) <= 2
    assert abs(nets.get("15", 0) - Fraction(29900 * pro_days, 28)) <= 2
    exact = Fraction(9900 * (28 - pro_days) * 125, 28 * 100) + Fraction(29900 * pro_days * 115, 28 * 100)
    assert abs(gross - exact) <= 2 + len(rows)


@settings(max_examples=6, deadline=None)
@given(runs_at_once=st.integers(min_value=2, max_value=6), months=st.integers(min_value=1, max_value=8))
async def test_any_number_of_billing_runs_bill_each_period_once(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    runs_at_once: int,
    months: int,
) -> None:
    api, ctx = await _merchant(client, database)
    sub = await api.created(
        SUBS,
        {
            "customerId": ctx["customer"]["id"],
            "items": [{"productId": ctx["basic"]["id"]}],
            "billingCycleId": ctx["monthly"]["id"],
            "billingAnchor": 31,
            "paymentTermsDays": 365,
        },
    )
    moment = START + timedelta(days=31 * months)
    async with database.transaction() as session:
        await repository.set_clock_reached(session, ctx["clock"]["id"], moment)

    for _ in range(2):  # at once, then all again
        await asyncio.gather(
            *(
                runs.bill_due(database, settings, moment, test_clock_id=ctx["clock"]["id"])
                for _ in range(runs_at_once)
            )
        )

    rows = await _billings(api, sub["id"])
    starts = [row["periodStart"] for row in rows]
    assert len(starts) == len(set(starts)) == months + 1
    assert len({row["invoiceId"] for row in rows}) == len(rows)
