"""Listing invoices by several statuses and by due date (inclusive), as the FarPay dialect asks."""

from __future__ import annotations

from datetime import date, timedelta

from faktura.invoices import service
from faktura.kit.db import Database
from faktura.kit.pagination import PageParams
from tests.factories import Api
from tests.invoices.helpers import LINES_TOTAL, draft, finalized, pay

PAGE = PageParams(limit=10, after_id=None)


async def test_invoices_by_statuses_and_due_date(api: Api, database: Database) -> None:
    open_invoice = await finalized(api)
    paid = await finalized(api, open_invoice["customerId"])
    await pay(database, api, paid, LINES_TOTAL)
    unfinished = await draft(api, open_invoice["customerId"])
    due = date.fromisoformat(paid["dueDate"])
    day = timedelta(days=1)
    cases: list[tuple[dict[str, object], list[str]]] = [
        ({}, [unfinished["id"], paid["id"], open_invoice["id"]]),
        ({"statuses": ["open", "paid"]}, [paid["id"], open_invoice["id"]]),
        ({"statuses": ["paid", "void"]}, [paid["id"]]),
        ({"statuses": []}, []),
        # A draft has no due date: any due date filter leaves it out.
        ({"due_from": due, "due_to": due}, [paid["id"], open_invoice["id"]]),
        ({"due_from": due + day}, []),
        ({"due_to": due - day}, []),
        ({"due_from": due - day, "statuses": ["open"]}, [open_invoice["id"]]),
    ]
    async with database.transaction(write=False) as session:
        for filters, expected in cases:
            rows, _ = await service.page(session, api.merchant_id, PAGE, **filters)
            assert [row.id for row in rows] == expected, filters
