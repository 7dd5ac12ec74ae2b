"""Finding a merchant's customer by personal or organisation number (a dialect's find-or-create) reads
an index, not the whole table."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from faktura.kit.db import Database
from faktura.models import Customer


@pytest.mark.parametrize(
    ("column", "index"),
    [
        (Customer.personal_number, "ix_customers_merchant_personal_number"),
        (Customer.organization_number, "ix_customers_merchant_organization_number"),
    ],
)
async def test_the_lookup_by_number_reads_its_index(database: Database, column: object, index: str) -> None:
    # The lookup as customers.repository makes it (merchant, number, not deleted).
    stmt = select(Customer.id).where(
        Customer.merchant_id == "mer_x",
        column == "15058510170",  # type: ignore[comparison-overlap]
        Customer.deleted_at.is_(None),
    )
    async with database.transaction(write=False) as session:
        bind = session.get_bind()
        compiled = stmt.compile(bind, compile_kwargs={"literal_binds": True})
        if bind.dialect.name == "postgresql":
            await session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table is read whole
            plan = "\n".join(str(row[0]) for row in await session.execute(text(f"EXPLAIN {compiled}")))
        else:
            plan = "\n".join(
                str(row[-1]) for row in await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
    assert index in plan, plan
