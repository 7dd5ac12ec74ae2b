"""Helpers of the worker tests: test-only job kinds, workers narrowed to them, and job rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from faktura.config import Settings
from faktura.jobs import JobContext, handler
from faktura.kit.db import Database
from faktura.models import Job
from faktura.worker.runner import Worker


def new_kind(name: str) -> str:
    """A kind of job no other test enqueues, so a worker narrowed to it sees only this test's jobs."""
    return f"test.{name}.{uuid.uuid4().hex[:8]}"


def register(name: str, run: Callable[[JobContext], Awaitable[None]]) -> str:
    kind = new_kind(name)
    handler(kind)(run)
    return kind


def tuned(settings: Settings, **changes: Any) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


def worker(database: Database, settings: Settings, *kinds: str, concurrency: int = 1) -> Worker:
    return Worker(database, settings, concurrency=concurrency, kinds=kinds, periodics=[])


async def job(database: Database, job_id: str) -> Job:
    async with database.transaction(write=False) as session:
        row = await session.get(Job, job_id, populate_existing=True)
    assert row is not None
    return row


async def until(check: Callable[[], Awaitable[bool]], *, seconds: float = 30) -> None:
    """Wait for `check` to hold; the limit only keeps a broken test from hanging."""
    async with asyncio.timeout(seconds):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)
