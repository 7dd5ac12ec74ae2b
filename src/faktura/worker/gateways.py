"""The test gateway's delayed charges: post the callbacks that are due, as the processor would.

They go over HTTP to the service's own callback endpoint (FAKTURA_PUBLIC_URL), signed like any
gateway's, so a delayed payment takes exactly the path a real processor's notification takes. Which
callbacks are due is read from the database, and each has a fixed event id, so two workers posting the
same one apply it once.
"""

from __future__ import annotations

import logging

import httpx

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.payments.simulator import due_callbacks

log = logging.getLogger("faktura.worker")
TIMEOUT_SECONDS = 10.0


async def post_due_callbacks(database: Database, settings: Settings, client: httpx.AsyncClient) -> int:
    """Post every due callback once; returns how many the endpoint accepted."""
    async with database.transaction(write=False) as session:
        due = await due_callbacks(session, settings)
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
