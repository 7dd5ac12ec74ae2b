"""Issued documents' files made as the worker makes them: the `document.render` jobs of one merchant."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from faktura.config import Settings
from faktura.documents import service
from faktura.invoices import document_tasks as tasks
from faktura.jobs import JobContext
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import Job


async def render_jobs(database: Database, merchant_id: str) -> list[Job]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(Job).where(Job.kind == service.RENDER, Job.merchant_id == merchant_id).order_by(Job.id)
        )
        return list(rows)


async def make_issued_files(database: Database, settings: Settings, merchant_id: str) -> int:
    """Run this merchant's render jobs' handler, as a worker would (the session's database holds every
    other test's jobs too, which a whole worker run would render as well)."""
    jobs = await render_jobs(database, merchant_id)
    for job in jobs:
        context = JobContext(
            job_id=job.id,
            kind=job.kind,
            payload=job.payload,
            attempt=1,
            max_attempts=job.max_attempts,
            database=database,
            settings=settings,
            lease_expires_at=clock.now() + timedelta(minutes=5),
        )
        await tasks.render_files(context)
    return len(jobs)
