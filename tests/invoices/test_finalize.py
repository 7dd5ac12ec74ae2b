"""Finalizing: gap-free numbers per merchant and series (also under concurrency), dates, KID, booking."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from faktura.invoices import finalization
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.kid import KidAlgorithm, is_valid
from faktura.ledger.postings import EntryKind
from faktura.models import NumberSeries
from tests.asserts import error_code
from tests.factories import Api, new_merchant
from tests.invoices.helpers import (
    INVOICES,
    LINES_TOTAL,
    assert_books_agree,
    configure_merchant,
    customer,
    draft,
    entries,
    fetch,
    finalized,
)


@pytest.fixture
def frozen() -> Iterator[datetime]:
    moment = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    clock.freeze(moment)
    yield moment
    clock.freeze(None)


async def test_finalizing_numbers_dates_and_books_the_invoice(
    api: Api, database: Database, frozen: datetime
) -> None:
    await configure_merchant(database, api.merchant_id, bank_account="86011117947")
    invoice = await draft(api)
    response = await api.post(f"{INVOICES}/{invoice['id']}/finalize")
    assert response.status_code == 200, response.text
    done = response.json()
    assert (done["status"], done["number"], done["invoiceNumber"]) == ("open", 1, "INV-1")
    assert (done["issueDate"], done["dueDate"]) == ("2026-03-10", "2026-03-24")  # UTC date, 14 days
    assert done["finalizedAt"] == "2026-03-10T23:30:00Z"
    assert done["bankAccount"] == "86011117947"
    assert is_valid(done["paymentReference"], KidAlgorithm.MOD10)
    assert done["amountDue"] == done["total"] == LINES_TOTAL
    assert await fetch(api, invoice["id"]) == done
    [entry] = await entries(database, api.merchant_id, EntryKind.INVOICE_FINALIZED)
    assert (entry["source_type"], entry["source_id"]) == ("invoice", invoice["id"])
    assert entry["lines"] == [
        ("1500", LINES_TOTAL, 0, invoice["customerId"]),
        ("3000", 0, 20000, None),
        ("2700", 0, 5000, None),
        ("3000", 0, 20000, None),
        ("2701", 0, 3000, None),
    ]
    await assert_books_agree(database, api.merchant_id)
    again = await api.post(f"{INVOICES}/{invoice['id']}/finalize")
    assert error_code(again, 409) == "invoice_not_draft"


async def test_a_given_issue_date_and_terms_make_the_due_date(api: Api, frozen: datetime) -> None:
    invoice = await finalized(api, issueDate="2026-02-01", paymentTermsDays=30)
    assert (invoice["issueDate"], invoice["dueDate"]) == ("2026-02-01", "2026-03-03")


async def test_merchant_settings_choose_terms_and_kid(api: Api, database: Database) -> None:
    await configure_merchant(
        database, api.merchant_id, paymentTermsDays=30, kidAlgorithm="MOD11", kidLength=10
    )
    invoices = [await finalized(api) for _ in range(7)]
    for number, invoice in enumerate(invoices, 1):
        kid = invoice["paymentReference"]
        assert invoice["paymentTermsDays"] == 30
        assert len(kid) == 10
        assert is_valid(kid, KidAlgorithm.MOD11)
        assert int(kid[1:-1]) == number
    # Number 6 is the one whose plain MOD11 check digit would be `-`.
    assert invoices[5]["paymentReference"] == "1000000066"


async def test_numbers_are_per_merchant_and_series(api: Api, client: object, database: Database) -> None:
    other = await new_merchant(client, database)  # type: ignore[arg-type]
    assert [(await finalized(api))["number"] for _ in range(3)] == [1, 2, 3]
    assert (await finalized(other))["number"] == 1
    b2b = [await finalized(api, series="B2B") for _ in range(2)]
    assert [(i["number"], i["invoiceNumber"]) for i in b2b] == [(1, "B2B-1"), (2, "B2B-2")]
    assert (await finalized(api))["number"] == 4


async def test_a_failed_finalization_gives_its_number_back(api: Api, database: Database) -> None:
    # A KID length the number cannot fit makes finalization fail after the number was taken.
    await configure_merchant(database, api.merchant_id, kidAlgorithm="MOD11", kidLength=2)
    first, second = await draft(api), await draft(api)
    response = await api.post(f"{INVOICES}/{first['id']}/finalize")
    assert error_code(response, 409) == "kid_length_exceeded"
    assert (await fetch(api, first["id"]))["status"] == "draft"
    await configure_merchant(database, api.merchant_id)
    assert (await api.post(f"{INVOICES}/{second['id']}/finalize")).json()["number"] == 1
    assert (await api.post(f"{INVOICES}/{first['id']}/finalize")).json()["number"] == 2


async def test_a_rolled_back_transaction_leaves_no_number_taken(api: Api, database: Database) -> None:
    invoice = await draft(api)

    numbers = []

    async def finalize_then_fail() -> None:
        async with database.transaction() as session:
            numbers.append((await finalization.finalize(session, api.merchant_id, invoice["id"])).number)
            raise RuntimeError("something after the number failed")

    with pytest.raises(RuntimeError):
        await finalize_then_fail()
    assert numbers == [1]
    assert (await fetch(api, invoice["id"]))["status"] == "draft"
    assert await entries(database, api.merchant_id) == []
    assert (await api.post(f"{INVOICES}/{invoice['id']}/finalize")).json()["number"] == 1


async def test_bad_invoice_settings_are_a_conflict(api: Api, database: Database) -> None:
    invoice = await draft(api)
    await configure_merchant(database, api.merchant_id, kidAlgorithm="MOD97")
    assert (
        error_code(await api.post(f"{INVOICES}/{invoice['id']}/finalize"), 409) == "invalid_invoice_settings"
    )
    await configure_merchant(database, api.merchant_id, paymentTermsDays="soon")
    response = await api.post(
        INVOICES, json={"customerId": invoice["customerId"], "items": invoice["items"][:0]}
    )
    assert response.status_code == 422
    response = await api.post(
        INVOICES,
        json={
            "customerId": invoice["customerId"],
            "items": [{"description": "x", "unitPrice": 100, "taxRate": "25"}],
        },
    )
    assert error_code(response, 409) == "invalid_invoice_settings"


async def test_a_zero_total_invoice_is_paid_when_finalized(api: Api, database: Database) -> None:
    invoice = await finalized(api, items=[{"description": "Free sample", "unitPrice": 0, "taxRate": "25"}])
    assert (invoice["status"], invoice["total"], invoice["amountDue"]) == ("paid", 0, 0)
    assert invoice["paidAt"] is not None
    assert invoice["number"] == 1
    await assert_books_agree(database, api.merchant_id)


async def _finalize_all(api: Api, ids: list[str]) -> list[int]:
    responses = await asyncio.gather(*(api.post(f"{INVOICES}/{i}/finalize") for i in ids))
    assert [r.status_code for r in responses] == [200] * len(ids), [
        r.text for r in responses if r.status_code != 200
    ]
    return sorted(r.json()["number"] for r in responses)


async def _drafts(api: Api, count: int) -> list[str]:
    customer_id = await customer(api)
    gate = asyncio.Semaphore(10)

    async def one() -> str:
        async with gate:
            return str((await draft(api, customer_id))["id"])

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def test_concurrent_finalizations_take_every_number_once(api: Api, database: Database) -> None:
    ids = await _drafts(api, 30)
    assert await _finalize_all(api, ids) == list(range(1, 31))
    await assert_books_agree(database, api.merchant_id)


@pytest.mark.postgres
async def test_200_concurrent_finalizations_on_postgresql_yield_exactly_1_to_200(
    api: Api, database: Database, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the full-size race runs on PostgreSQL, where finalizations really overlap")
    ids = await _drafts(api, 200)
    assert await _finalize_all(api, ids) == list(range(1, 201))
    async with database.transaction(write=False) as session:
        series = await session.scalar(select(NumberSeries).where(NumberSeries.merchant_id == api.merchant_id))
        assert series is not None
        assert (series.series, series.next_number) == ("INV", 201)
    kids = {(await fetch(api, i))["paymentReference"] for i in ids}
    assert len(kids) == 200
    await assert_books_agree(database, api.merchant_id)
