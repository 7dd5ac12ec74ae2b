"""Test clocks: time a merchant moves by hand for its test customers.

A clock starts frozen at a time. Customers created with its id are test customers: their
subscriptions' present is the clock's, and the real clock never bills them. Advancing a clock runs
everything due on it up to the new time in time order (each boundary, each draft's finalization, one
transaction each) and then reports `ready`; the clock's `reachedTime` shows how far it has got. Its
invoices are numbered in their own series (TEST), so the merchant's series never holds them. Never
commits, except `run`, which works in transactions of its own.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.invoices.delivery.tasks import deliver_now
from faktura.jobs import JobContext, enqueue, handler
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.errors import FakturaError, ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.kit.repository import require_owned
from faktura.models import TestClock
from faktura.subscriptions import repository, runs
from faktura.subscriptions.errors import TestClockBusy, TestClockNotFound
from faktura.subscriptions.schemas import TestClockAdvance, TestClockCreate, TestClockOut

log = logging.getLogger("faktura.worker")
ADVANCE = "test_clock.advance"


class ClockStatus(StrEnum):
    READY = "ready"
    ADVANCING = "advancing"
    INTERNAL_FAILURE = "internal_failure"


def view(row: TestClock) -> TestClockOut:
    return TestClockOut(
        id=row.id,
        name=row.name,
        frozen_time=row.frozen_time,
        reached_time=row.reached_time,
        status=ClockStatus(row.status),
        failure=row.failure,
        created_at=row.created_at,
    )


def _checked(moment: datetime) -> datetime:
    """A clock's time in UTC, within the years billing dates can reach (2000-2200)."""
    if not 2000 <= moment.year <= 2200:
        raise ValidationFailed.field(
            "frozenTime", "clock_time_out_of_range", "A test clock's time is in 2000-2200."
        )
    moment = clock.as_utc(moment)
    if not 2000 <= moment.year <= 2200:
        raise ValidationFailed.field(
            "frozenTime", "clock_time_out_of_range", "A test clock's time is in 2000-2200."
        )
    return moment


async def create(session: AsyncSession, merchant_id: str, data: TestClockCreate) -> TestClockOut:
    moment = _checked(data.frozen_time)
    row = TestClock(
        id=new_id("clock"),
        merchant_id=merchant_id,
        name=data.name,
        frozen_time=moment,
        reached_time=moment,
        status=ClockStatus.READY.value,
    )
    session.add(row)
    await session.flush()
    return view(row)


async def get(session: AsyncSession, merchant_id: str, clock_id: str) -> TestClockOut:
    return view(await require_owned(session, TestClock, merchant_id, clock_id, TestClockNotFound))


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams
) -> tuple[list[TestClockOut], str | None]:
    rows, cursor = await repository.clocks_page(session, merchant_id, params)
    return [view(row) for row in rows], cursor


async def advance(
    session: AsyncSession, merchant_id: str, clock_id: str, data: TestClockAdvance
) -> TestClockOut:
    """Move the clock forward; the worker runs what falls due (status `advancing` until it is done)."""
    row = await require_owned(session, TestClock, merchant_id, clock_id, TestClockNotFound)
    if row.status == ClockStatus.ADVANCING:
        raise TestClockBusy(f"Test clock {row.id} is still advancing.")
    moment = _checked(data.frozen_time)
    if moment <= row.frozen_time:
        raise ValidationFailed.field(
            "frozenTime",
            "clock_moves_forward",
            f"A test clock only moves forward from {row.frozen_time.isoformat()}.",
        )
    row.frozen_time = moment
    row.status = ClockStatus.ADVANCING.value
    row.failure = None
    await enqueue(
        session, ADVANCE, {"clockId": row.id}, merchant_id=merchant_id, ordering_key=f"clock:{row.id}"
    )
    await session.flush()
    return view(row)


class StuckClock(Exception):
    """Something due on the clock fails every time it is run: the clock stops there."""


@handler(ADVANCE)
async def advance_task(ctx: JobContext) -> None:
    await run(ctx.database, ctx.settings, ctx.payload["clockId"])


async def run(database: Database, settings: Settings, clock_id: str) -> None:
    """Run everything due on the clock, moment by moment in time order, up to its frozen time."""
    async with database.transaction(write=False) as session:
        row = await session.get(TestClock, clock_id)
        if row is None or row.status != ClockStatus.ADVANCING:
            return
        target = row.frozen_time
    stuck_at = None
    try:
        while True:
            async with database.transaction(write=False) as session:
                moment = await repository.next_moment(session, clock_id, target)
            reach = moment or target
            async with database.transaction() as session:
                await repository.set_clock_reached(session, clock_id, reach)
            done = await runs.bill_due(database, settings, reach, test_clock_id=clock_id)
            await _deliver(database, settings, clock_id)
            if moment is None:
                break  # the last run settled what was paid meanwhile
            if not done:
                if stuck_at == moment:
                    raise StuckClock(f"What was due at {moment.isoformat()} could not be billed.")
                stuck_at = moment
    except (FakturaError, StuckClock) as exc:
        await _settle(database, clock_id, ClockStatus.INTERNAL_FAILURE, str(exc)[:500])
        log.warning("test clock %s stopped: %s", clock_id, exc)
        return
    await _settle(database, clock_id, ClockStatus.READY, None)


async def _deliver(database: Database, settings: Settings, clock_id: str) -> None:
    """Deliver what the moment's steps sent (invoices, reminders) at the clock's moment, before it
    moves on; a delivery that fails for want of its channel is the delivery's to record. One that
    errors otherwise is left to its job, which retries it in real time."""
    async with database.transaction(write=False) as session:
        pending = await repository.pending_deliveries(session, clock_id)
    for delivery_id in pending:
        try:
            await deliver_now(database, settings, delivery_id, last_attempt=False)
        except Exception:
            log.exception("test clock %s: delivery %s left to its job", clock_id, delivery_id)


async def _settle(database: Database, clock_id: str, status: ClockStatus, failure: str | None) -> None:
    async with database.transaction() as session:
        row = await session.get(TestClock, clock_id)
        if row is not None:
            row.status = status.value
            row.failure = failure
