"""Housekeeping: idempotency keys past their retention, refresh tokens past expiry, finished jobs."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import idempotency
from faktura.auth import service as credentials
from faktura.config import Settings
from faktura.jobs import JobContext, JobStatus, periodic
from faktura.jobs import repository as jobs
from faktura.kit import clock
from faktura.kit.db import Database

log = logging.getLogger("faktura.worker")
JOB_PRUNE_BATCH = 5_000  # rows per transaction, so pruning never holds a long lock


async def prune(session: AsyncSession, *, older_than: datetime) -> dict[str, int]:
    return {
        "idempotency_keys": await idempotency.prune(session, older_than),
        "refresh_tokens": await credentials.forget_expired_refresh_tokens(session),
    }


async def prune_credentials(database: Database, settings: Settings) -> dict[str, int]:
    async with database.transaction() as session:
        return await prune(session, older_than=clock.now() - timedelta(seconds=settings.idempotency_ttl))


async def prune_jobs(database: Database, settings: Settings) -> dict[str, int]:
    """Done jobs after job_retention_days, dead ones after dead_job_retention_days."""
    now = clock.now()
    pruned = {}
    for status, days in (
        (JobStatus.DONE, settings.job_retention_days),
        (JobStatus.DEAD, settings.dead_job_retention_days),
    ):
        total = 0
        while True:
            async with database.transaction() as session:
                count = await jobs.prune_finished(
                    session, status, now - timedelta(days=days), JOB_PRUNE_BATCH
                )
            total += count
            if count < JOB_PRUNE_BATCH:
                break
        pruned[f"{status.value}_jobs"] = total
    return pruned


@periodic("maintenance.prune_credentials", every=timedelta(minutes=5))
async def prune_credentials_task(ctx: JobContext) -> None:
    pruned = await prune_credentials(ctx.database, ctx.settings)
    if any(pruned.values()):
        log.info("pruned %s", pruned)


@periodic("maintenance.prune_jobs", every=timedelta(hours=1))
async def prune_jobs_task(ctx: JobContext) -> None:
    pruned = await prune_jobs(ctx.database, ctx.settings)
    if any(pruned.values()):
        log.info("pruned %s", pruned)
