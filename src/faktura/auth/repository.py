from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, and_, case, delete, literal, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.models import ApiKey, RefreshToken, TokenFailures

FAILURES: Table = TokenFailures.__table__  # type: ignore[assignment]


async def api_key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))


async def refresh_token_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


async def mark_refresh_used(session: AsyncSession, token_id: str, at: datetime) -> bool:
    """Claim a refresh token once; False when another request used it first."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
        .values(used_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_refresh_family(session: AsyncSession, family_id: str, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def api_keys_of(session: AsyncSession, merchant_id: str) -> list[ApiKey]:
    rows = await session.scalars(select(ApiKey).where(ApiKey.merchant_id == merchant_id).order_by(ApiKey.id))
    return list(rows.all())


async def revoke_refresh_tokens_of_key(session: AsyncSession, api_key_id: str, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.api_key_id == api_key_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def api_key_id_by_prefix(session: AsyncSession, prefix: str) -> str | None:
    return await session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix).limit(1))


async def failure_windows(
    session: AsyncSession, subjects: list[tuple[str, str]], since: datetime
) -> list[tuple[str, str, datetime, int]]:
    """(scope, subject, window start, failures) of the windows still open among `subjects`."""
    rows = await session.execute(
        select(FAILURES.c.scope, FAILURES.c.subject, FAILURES.c.window_started_at, FAILURES.c.failures).where(
            tuple_(FAILURES.c.scope, FAILURES.c.subject).in_(subjects), FAILURES.c.window_started_at > since
        )
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def count_failure(
    session: AsyncSession, scope: str, subject: str, now: datetime, since: datetime
) -> None:
    """One more failure in the subject's window; a window that began at or before `since` starts again."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(FAILURES).values(scope=scope, subject=subject, window_started_at=now, failures=1)
    expired = FAILURES.c.window_started_at <= since
    stmt = stmt.on_conflict_do_update(
        index_elements=[FAILURES.c.scope, FAILURES.c.subject],
        set_={
            "failures": case((expired, 1), else_=FAILURES.c.failures + 1),
            "window_started_at": case(
                (expired, literal(now, FAILURES.c.window_started_at.type)), else_=FAILURES.c.window_started_at
            ),
        },
    )
    await session.execute(stmt)


async def forget_failures(session: AsyncSession, scope: str, subject: str) -> None:
    await session.execute(
        delete(FAILURES).where(and_(FAILURES.c.scope == scope, FAILURES.c.subject == subject))
    )


async def prune_failures(session: AsyncSession, since: datetime) -> None:
    """Windows that ended count for nothing; their rows go."""
    await session.execute(delete(FAILURES).where(FAILURES.c.window_started_at <= since))


async def delete_expired_refresh_tokens(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    return int(result.rowcount)  # type: ignore[attr-defined]
