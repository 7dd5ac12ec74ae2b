"""The test gateway's delayed charges: post the callbacks that are due, as the processor would.

They go over HTTP to the service's own callback endpoint (FAKTURA_PUBLIC_URL), signed like any
gateway's, so a delayed payment takes exactly the path a real processor's notification takes. Which
callbacks are due is read from the database, and each has a fixed event id, so two workers posting the
same one apply it once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from faktura.config import Settings
from faktura.jobs import JobContext, periodic
from faktura.kit.db import Database
from faktura.payments.simulator import DueCallback, due_callbacks

log = logging.getLogger("faktura.worker")
TIMEOUT_SECONDS = 10.0


@periodic("test_gateway.post_callbacks", every=timedelta(seconds=2))
async def post_callbacks_task(ctx: JobContext) -> None:
    await post_due_callbacks(ctx.database, ctx.settings)


async def post_due_callbacks(
    database: Database, settings: Settings, client: httpx.AsyncClient | None = None
) -> int:
    """Post every due callback once; returns how many the endpoint accepted."""
    async with database.transaction(write=False) as session:
        due = await due_callbacks(session, settings)
    if not due:
        return 0
    if client is None:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as own:
            return await _post(own, due)
    return await _post(client, due)


async def _post(client: httpx.AsyncClient, due: list[DueCallback]) -> int:
    accepted = 0
    for callback in due:
        try:
            response = await client.post(callback.url, content=callback.body, headers=callback.headers)
        except httpx.HTTPError as exc:
            log.warning("test gateway callback for %s failed: %s", callback.intent_id, exc)
            continue
        if response.is_success:
            accepted += 1
        else:
            log.warning(
                "test gateway callback for %s refused: %s %s",
                callback.intent_id,
                response.status_code,
                response.text[:200],
            )
    return accepted
