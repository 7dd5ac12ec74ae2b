"""The stored keys: one compiled look-up per dialect (with the key's advisory lock on PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Table, bindparam, delete, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.compiled_reads import AnySelect, CompiledSelect
from faktura.models import IdempotencyKey

KEYS: Table = IdempotencyKey.__table__  # type: ignore[assignment]
Stored = tuple[Any, ...]  # request_hash, response_status, response_body, content_type, created_at


def _matches() -> ColumnElement[bool]:
    return (KEYS.c.merchant_id == bindparam("merchant_id")) & (KEYS.c.key == bindparam("key"))


def _stored_columns() -> tuple[ColumnElement[Any], ...]:
    return (
        KEYS.c.request_hash,
        KEYS.c.response_status,
        KEYS.c.response_body,
        KEYS.c.content_type,
        KEYS.c.created_at,
    )


def _lock_and_look_up() -> AnySelect:
    """The key's advisory lock, taken or not, and the stored response if there is one."""
    one_row = select(literal(1).label("one")).subquery()
    lock = func.pg_try_advisory_xact_lock(bindparam("lock_id", type_=BigInteger))
    return select(lock, *_stored_columns()).select_from(one_row.outerjoin(KEYS, _matches()))


LOCK_AND_LOOK_UP = CompiledSelect(_lock_and_look_up)
LOOK_UP = CompiledSelect(lambda: select(*_stored_columns()).where(_matches()))


async def lock_and_look_up(
    session: AsyncSession, merchant_id: str, key: str, lock_id: int
) -> tuple[bool, Stored | None]:
    """(whether the key's lock was taken, the stored response) in one round trip. A row committed while
    this waited for the lock can be missed by the statement's snapshot; the key's primary key then stops
    the duplicate at commit."""
    row = await LOCK_AND_LOOK_UP.first(session, merchant_id=merchant_id, key=key, lock_id=lock_id)
    assert row is not None
    return bool(row[0]), None if row[1] is None else tuple(row[1:])


async def look_up(session: AsyncSession, merchant_id: str, key: str) -> Stored | None:
    row = await LOOK_UP.first(session, merchant_id=merchant_id, key=key)
    return None if row is None else tuple(row)


async def forget(session: AsyncSession, merchant_id: str, key: str) -> None:
    await session.execute(delete(KEYS).where(KEYS.c.merchant_id == merchant_id, KEYS.c.key == key))


async def prune(session: AsyncSession, older_than: datetime) -> int:
    result = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < older_than))
    return int(result.rowcount)  # type: ignore[attr-defined]
