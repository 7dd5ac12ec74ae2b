"""Inbound gateway callbacks: public (a gateway has no merchant token), checked by the gateway's signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import settings_of
from faktura.kit.errors import PayloadTooLarge
from faktura.kit.http import errors
from faktura.kit.routing import TransactionalRoute, get_session
from faktura.payments import callbacks
from faktura.payments.errors import (
    CallbackMalformed,
    GatewayHasNoCallbacks,
    GatewayNotFound,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    TimestampOutsideTolerance,
)
from faktura.payments.schemas import CallbackAck

router = APIRouter(
    prefix="/api/v1/PaymentGateways", tags=["Gateway callbacks"], route_class=TransactionalRoute
)
Session = Annotated[AsyncSession, Depends(get_session)]


@router.post(
    "/{gateway_id}/callbacks",
    response_model=CallbackAck,
    responses=errors(
        GatewayNotFound,
        GatewayHasNoCallbacks,
        SignatureMissing,
        SignatureMalformed,
        SignatureInvalid,
        TimestampOutsideTolerance,
        CallbackMalformed,
        PayloadTooLarge,
    ),
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def receive_callback(gateway_id: str, request: Request, session: Session) -> CallbackAck:
    """Receive a signed gateway callback (the test gateway's: Faktura-Test-Signature).

    Public: no merchant token, the gateway's signature over the body is checked instead, and a timestamp
    far from the server's clock is refused as a replay. The same event delivered twice is recorded once.
    """
    body = await request.body()
    return await callbacks.receive(session, settings_of(request), gateway_id, request.headers, body)
