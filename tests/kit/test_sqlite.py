"""SQLite's driver and write lock: reads outside the lock, writes queued, other processes waited out."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import normalize_database_url
from faktura.kit import sqlite
from faktura.kit.compiled_reads import CompiledSelect
from faktura.kit.db import Database, lock_for_writing

METADATA = MetaData()
ROWS = Table("rows", METADATA, Column("id", Integer, primary_key=True))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
async def database(path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{path}")
    async with database.engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def other(path: Path, database: Database) -> AsyncIterator[sqlite3.Connection]:
    """Another process's connection to the same file, in autocommit mode."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    yield connection
    connection.close()


async def _in_transaction(session: AsyncSession) -> bool:
    raw = await (await session.connection()).get_raw_connection()
    driver: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
    return driver.in_transaction


async def _count(database: Database) -> int:
    async with database.transaction(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(ROWS)) or 0)


async def test_a_write_session_reads_outside_a_transaction_until_it_writes(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(select(ROWS))
        assert not await _in_transaction(session)
        await session.execute(insert(ROWS).values(id=1))
        assert await _in_transaction(session)
    assert await _count(database) == 1


async def test_a_locking_read_begins_the_write_transaction(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(select(ROWS).with_for_update())
        assert await _in_transaction(session)


async def test_a_direct_locking_read_begins_the_write_transaction(database: Database) -> None:
    locked = CompiledSelect(lambda: select(ROWS.c.id).with_for_update())
    plain = CompiledSelect(lambda: select(ROWS.c.id))
    async with database.transaction() as session:
        assert await plain.all(session) == []
        assert not await _in_transaction(session)
        assert await locked.all(session) == []
        assert await _in_transaction(session)


async def test_a_savepoint_begins_the_write_transaction_first(database: Database) -> None:
    async with database.transaction() as session, session.begin_nested():
        assert await _in_transaction(session)
        await session.execute(insert(ROWS).values(id=1))
    assert await _count(database) == 1


async def test_lock_for_writing_begins_it_at_once(database: Database) -> None:
    async with database.transaction() as session:
        await lock_for_writing(session)
        assert await _in_transaction(session)


async def test_a_read_session_reads_one_snapshot(database: Database, other: sqlite3.Connection) -> None:
    async with database.transaction(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(ROWS)) == 0
        other.execute("INSERT INTO rows (id) VALUES (1)")
        assert await session.scalar(select(func.count()).select_from(ROWS)) == 0
    assert await _count(database) == 1


async def test_a_write_session_sees_what_others_committed_until_it_writes(
    database: Database, other: sqlite3.Connection
) -> None:
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ROWS)) == 0
        other.execute("INSERT INTO rows (id) VALUES (1)")
        assert await session.scalar(select(func.count()).select_from(ROWS)) == 1
        await session.execute(insert(ROWS).values(id=2))
    assert await _count(database) == 2


async def test_rows_left_unread_hold_no_snapshot_that_would_stop_a_later_write(
    database: Database, other: sqlite3.Connection
) -> None:
    other.executemany("INSERT INTO rows (id) VALUES (?)", [(1,), (2,), (3,)])
    async with database.transaction() as session:
        result = await session.execute(select(ROWS.c.id).order_by(ROWS.c.id))
        assert result.first() is not None
        other.execute("INSERT INTO rows (id) VALUES (4)")
        await session.execute(insert(ROWS).values(id=5))
    assert await _count(database) == 5


async def test_writers_in_one_process_take_turns_in_arrival_order(
    database: Database, other: sqlite3.Connection
) -> None:
    committed_before: dict[str, int] = {}

    async def write(name: str, row: int, hold: float) -> None:
        async with database.transaction() as session:
            await session.execute(insert(ROWS).values(id=row))
            # What other connections see: the rows of the writers whose turn came before this one's.
            committed_before[name] = other.execute("SELECT count(*) FROM rows").fetchone()[0]
            await asyncio.sleep(hold)

    first = asyncio.create_task(write("first", 1, 0.2))
    await asyncio.sleep(0.05)
    await asyncio.gather(first, write("second", 2, 0), write("third", 3, 0))
    assert committed_before == {"first": 0, "second": 1, "third": 2}


@pytest.mark.parametrize("ending", ["commit", "rollback", "failed commit", "error in the block"])
async def test_the_turn_is_given_back_however_the_transaction_ends(
    database: Database, monkeypatch: pytest.MonkeyPatch, ending: str
) -> None:
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_SECONDS", 1.0)
    async with database.transaction() as session:
        await session.execute(insert(ROWS).values(id=1))

    session = database.session()
    try:
        await session.begin()
        await session.execute(insert(ROWS).values(id=2))
        if ending == "commit":
            await session.commit()
        elif ending == "rollback":
            await session.rollback()
        elif ending == "failed commit":
            with pytest.raises(IntegrityError):
                await session.execute(insert(ROWS).values(id=1))
            await session.rollback()
        else:
            with pytest.raises(RuntimeError):
                async with session.begin_nested():
                    raise RuntimeError("the block failed")
            await session.rollback()
    finally:
        await session.close()
    # Within the short timeout: a turn never given back would fail this write.
    async with database.transaction() as next_session:
        await next_session.execute(insert(ROWS).values(id=3))
    assert await _count(database) == (3 if ending == "commit" else 2)


async def test_another_process_lock_is_waited_out_without_blocking_the_loop(
    database: Database, other: sqlite3.Connection
) -> None:
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO rows (id) VALUES (1)")
    # Only the event loop can end the other writer's transaction: were the loop blocked while the
    # write below waits, it would never end, and the write would fail at the busy timeout.
    asyncio.get_running_loop().call_later(0.2, other.execute, "COMMIT")
    async with database.transaction() as session:
        await session.execute(insert(ROWS).values(id=2))
    assert await _count(database) == 2


async def test_a_lock_held_past_the_busy_timeout_is_database_is_locked(
    database: Database, other: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_SECONDS", 0.2)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="database is locked"):
        async with database.transaction() as session:
            await session.execute(insert(ROWS).values(id=1))
    other.execute("COMMIT")
    async with database.transaction() as session:
        await session.execute(insert(ROWS).values(id=1))
    assert await _count(database) == 1


async def test_one_task_with_two_write_sessions_fails_instead_of_waiting_for_itself(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_SECONDS", 0.2)
    async with database.transaction() as first:
        await first.execute(insert(ROWS).values(id=1))
        with pytest.raises(OperationalError, match="write turn"):
            async with database.transaction() as second:
                await second.execute(insert(ROWS).values(id=2))
    assert await _count(database) == 1


@pytest.mark.parametrize("url", ["sqlite:///x.db", "sqlite+aiosqlite:///x.db", "sqlite+pysqlite:///x.db"])
def test_every_sqlite_url_runs_on_the_service_driver(url: str) -> None:
    assert normalize_database_url(url) == "sqlite+faktura:///x.db"


def test_the_cursor_reads_its_rows_at_once(path: Path) -> None:
    connection: Any = sqlite.Connection(str(path), isolation_level=None)
    try:
        connection.execute("CREATE TABLE t (a INTEGER)")
        connection.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (3,)])
        cursor = connection.execute("SELECT a FROM t ORDER BY a")
        assert cursor.fetchone() == (1,)
        assert cursor.fetchmany(1) == [(2,)]
        assert list(cursor) == [(3,)]
        assert cursor.fetchone() is None
        assert connection.execute("SELECT a FROM t WHERE a > 5").fetchall() == []
    finally:
        connection.close()
