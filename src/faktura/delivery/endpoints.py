"""An invoice's deliveries (EHF, e-mail, post) and resending it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.delivery import service
from faktura.delivery.schemas import DeliveryOut, ResendIn
from faktura.kit.http import error_responses
from faktura.kit.pagination import Page
from faktura.kit.routing import api_router, get_session

deliveries = api_router("/api/v1/Invoices", "Invoices")
routers: list[APIRouter] = [deliveries]

Session = Annotated[AsyncSession, Depends(get_session)]


@deliveries.get("/{invoice_id}/deliveries", response_model=Page[DeliveryOut], responses=error_responses(404))
async def list_deliveries(invoice_id: str, auth: Auth, session: Session) -> Page[DeliveryOut]:
    """List an invoice's deliveries, newest first, each with its channels' attempts."""
    return Page(data=await service.of_invoice(session, auth.merchant_id, invoice_id))


@deliveries.post(
    "/{invoice_id}/resend", status_code=202, response_model=DeliveryOut, responses=error_responses(404, 409)
)
async def resend_invoice(
    invoice_id: str, auth: Auth, session: Session, body: ResendIn | None = None
) -> DeliveryOut:
    """Deliver a finalized invoice again, over one channel or in the usual order."""
    return await service.resend(session, auth.merchant_id, invoice_id, body.channel if body else None)
