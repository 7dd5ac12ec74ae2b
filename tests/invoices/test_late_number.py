"""The number is taken as late as the rules allow: the series row stays locked from the number to the
commit, so a finalization reads nothing after it and sends only the writes that carry what it decided."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from faktura.kit.db import Database
from tests.factories import Api
from tests.invoices.helpers import INVOICES, customer
from tests.invoices.test_pay_first import paid_order


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL the session sends while the block runs (the batched inserts' own statement aside)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split()))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def after_the_number(sent: list[str]) -> list[str]:
    [at] = [i for i, statement in enumerate(sent) if "number_series" in statement]
    return sent[at + 1 :]


async def test_a_pay_first_finalization_only_writes_once_it_has_its_number(
    api: Api, database: Database
) -> None:
    order, _ = await paid_order(api, database)
    draft = await api.created(INVOICES, {"orderId": order["id"], "customerId": await customer(api)})
    with statements(database) as sent:
        response = await api.post(f"{INVOICES}/{draft['id']}/finalize")
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["number"]) == ("paid", 1)
    locked = after_the_number(sent)
    # The invoice (numbered, then with its document), the payment it took and the order it completed;
    # the journal entries, the application and the events go with them in the batched statement.
    assert [statement.split()[0] for statement in locked] == ["UPDATE"] * len(locked), locked
    assert {statement.split()[1] for statement in locked} == {"invoices", "payments", "orders"}
    assert len(locked) <= 5, locked


async def test_a_pay_later_finalization_reads_nothing_under_the_series_lock(
    api: Api, database: Database
) -> None:
    draft = await api.created(
        INVOICES,
        {
            "customerId": await customer(api),
            "items": [{"description": "Consulting", "quantity": "2", "unitPrice": 50000, "taxRate": "25"}],
        },
    )
    with statements(database) as sent:
        response = await api.post(f"{INVOICES}/{draft['id']}/finalize")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"
    locked = after_the_number(sent)
    assert not [statement for statement in locked if statement.startswith("SELECT")], locked
