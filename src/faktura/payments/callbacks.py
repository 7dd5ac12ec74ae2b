"""Inbound gateway callbacks: public (a gateway has no merchant token), checked by the gateway's signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import settings_of
from faktura.kit.http import error_responses
from faktura.kit.routing import TransactionalRoute, get_session
from faktura.payments import events
from faktura.payments.schemas import CallbackAck

router = APIRouter(
    prefix="/api/v1/PaymentGateways", tags=["Gateway callbacks"], route_class=TransactionalRoute
)
Session = Annotated[AsyncSession, Depends(get_session)]


@router.post(
    "/{gateway_id}/callbacks",
    response_model=CallbackAck,
    responses=error_responses(400, 401, 404),
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def receive_callback(gateway_id: str, request: Request, session: Session) -> CallbackAck:
    """Receive a signed gateway callback (the test gateway's: Faktura-Test-Signature)."""
    body = await request.body()
    return await events.receive(session, settings_of(request), gateway_id, request.headers, body)
