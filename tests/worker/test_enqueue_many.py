"""Many jobs queued together: all due now, a dedupe key naming an unfinished job refused as
`enqueue` refuses it, and the workers woken once."""

from __future__ import annotations

from sqlalchemy import select

from faktura.jobs import enqueue, enqueue_many
from faktura.kit.db import Database
from faktura.models import Job
from tests.worker.support import new_kind


async def test_many_jobs_are_queued_together_and_a_taken_dedupe_key_is_left_out(database: Database) -> None:
    kind = new_kind("many")
    async with database.transaction() as session:
        assert await enqueue(session, kind, {"n": -1}, dedupe_key=f"{kind}:3") is not None
    jobs = [({"n": n}, f"{kind}:order" if n % 2 else None, f"{kind}:{n}", None) for n in range(70)]
    async with database.transaction() as session:
        queued = await enqueue_many(session, kind, jobs, max_attempts=4)
    assert queued == 69  # 70 over two statements, less the one whose key names the job queued before
    async with database.transaction(write=False) as session:
        rows = list(await session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))
    assert len(rows) == 70
    assert [row.payload["n"] for row in rows[1:]] == [n for n in range(70) if n != 3]
    assert {(row.status, row.max_attempts) for row in rows[1:]} == {("pending", 4)}
    assert rows[2].ordering_key == f"{kind}:order"
