"""PostgreSQL plans each run of a prepared statement for its own values (`kit.db`), so a plan made
while a table was small never keeps scanning it once it has grown."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from faktura.kit.db import Database, create_engine


async def test_every_connection_plans_each_run(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite plans every statement as it runs")
    # Behind a transaction pooler nothing is prepared, and nothing is set on a server connection that
    # other clients share.
    expected = "auto" if database.transaction_pooler else "force_custom_plan"
    async with database.transaction(write=False) as session:
        assert await session.scalar(text("SHOW plan_cache_mode")) == expected
    # Still so after the pool has reset a connection and lent it out again.
    for _ in range(3):
        async with database.transaction() as session:
            assert await session.scalar(text("SHOW plan_cache_mode")) == expected


async def test_behind_a_transaction_pooler_nothing_is_set_on_the_connection(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("PostgreSQL's")
    engine = create_engine(
        str(database.engine.url.render_as_string(hide_password=False)), transaction_pooler=True
    )
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SHOW plan_cache_mode")) == "auto"
    finally:
        await engine.dispose()
