"""Inbound gateway callbacks: verified, stored once by the gateway's event id, then applied."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.payments import repository, service
from faktura.payments.gateways import gateway_info, get_gateway
from faktura.payments.schemas import CallbackAck


async def receive(
    session: AsyncSession, settings: Settings, gateway_id: str, headers: Mapping[str, str], body: bytes
) -> CallbackAck:
    """Verify before anything is read or stored; a duplicate event id is acknowledged and ignored."""
    info = gateway_info(gateway_id)
    event = get_gateway(info.id, settings).parse_callback(headers, body)
    row_id = await repository.record_event_once(
        session, gateway=info.id, event_id=event.event_id, kind=event.kind, payload=event.payload
    )
    if row_id is None:
        return CallbackAck(received=True, duplicate=True, applied=False)
    intent = None
    if event.reference is not None:
        intent = await repository.intent_by_reference(session, info.id, event.reference)
    if intent is None:
        # Not one of ours (or not about a charge): kept for the record, nothing to apply.
        return CallbackAck(received=True, duplicate=False, applied=False)
    await repository.attribute_event(session, row_id, intent.merchant_id)
    applied = await service.settle_from_gateway(session, intent, event)
    return CallbackAck(received=True, duplicate=False, applied=applied)
