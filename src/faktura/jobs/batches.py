"""Working through what a periodic check found, one item per transaction, batch after batch."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.kit.errors import FakturaError

log = logging.getLogger("faktura.worker")
BATCH = 200

Finder = Callable[[AsyncSession, int], Awaitable[list[tuple[str, str]]]]
Handler = Callable[[AsyncSession, str, str], Awaitable[bool]]


async def handle_each(
    database: Database, settings: Settings, what: str, find: Finder, handle: Handler
) -> int:
    """Find (merchant id, id) pairs a batch at a time and handle each in its own short transaction, so
    one item's failure costs only that item and no lock is held for long. Returns how many `handle`
    changed. Stops when a batch comes back short, or changed nothing (what is left waits for the
    next run)."""
    changed = 0
    while True:
        before = changed
        async with database.transaction(write=False) as session:
            found = await find(session, BATCH)
        for merchant_id, item_id in found:
            try:
                async with database.transaction() as session:
                    # Views built for events carry links to the payment pages.
                    session.info["public_url"] = settings.public_url
                    if await handle(session, merchant_id, item_id):
                        changed += 1
            except FakturaError as exc:
                log.warning("%s %s left as it is: %s", what, item_id, exc)
        if len(found) < BATCH or changed == before:
            return changed
