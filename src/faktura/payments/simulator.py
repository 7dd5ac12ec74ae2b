"""The test gateway's side of a delayed payment: after a while it calls back with the charge's result.

What is due is read from the database (test-gateway intents still processing), so nothing waits in a
process's memory: whichever worker runs next posts the callbacks, to the same endpoint and with the same
signature a real gateway's would have. Each charge's event id is fixed, so a callback posted twice (a
retry, two workers) is applied once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.kit import clock
from faktura.payments import repository
from faktura.payments.gateways import get_test_gateway
from faktura.payments.gateways.test import EVENT_SUCCEEDED

CALLBACK_PATH = "/api/v1/PaymentGateways/test/callbacks"
DELAY = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class DueCallback:
    intent_id: str
    url: str
    body: bytes
    headers: dict[str, str]


async def due_callbacks(
    session: AsyncSession, settings: Settings, *, delay: timedelta = DELAY, limit: int = 100
) -> list[DueCallback]:
    """The success callbacks of test-gateway charges processing for longer than `delay`."""
    charges = await repository.processing_test_charges(session, clock.now() - delay, limit)
    gateway = get_test_gateway(settings)
    url = settings.public_url.rstrip("/") + CALLBACK_PATH
    due = []
    for intent_id, reference in charges:
        body, headers = gateway.signed_callback(EVENT_SUCCEEDED, reference, event_id=f"evt_{reference}")
        due.append(DueCallback(intent_id=intent_id, url=url, body=body, headers=headers))
    return due
