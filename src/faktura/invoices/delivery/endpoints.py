"""An invoice's deliveries (EHF, e-mail, post) and resending it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.invoices.delivery import service
from faktura.invoices.delivery.schemas import DeliveryOut, ResendIn
from faktura.invoices.errors import InvoiceNotFinalized, InvoiceNotFound, InvoiceNotSendable
from faktura.kit.http import errors
from faktura.kit.pagination import Page
from faktura.kit.routing import api_router, get_session

deliveries = api_router("/api/v1/Invoices", "Invoices")
routers: list[APIRouter] = [deliveries]

Session = Annotated[AsyncSession, Depends(get_session)]


@deliveries.get(
    "/{invoice_id}/deliveries", response_model=Page[DeliveryOut], responses=errors(InvoiceNotFound)
)
async def list_deliveries(invoice_id: str, auth: Auth, session: Session) -> Page[DeliveryOut]:
    """List an invoice's deliveries, newest first, each with its channels' attempts.

    One delivery per sending; each lists the channels tried in order (EHF, e-mail, post) with their
    outcome. The invoice's `deliveryStatus` follows the newest one.
    """
    return Page(data=await service.of_invoice(session, auth.merchant_id, invoice_id))


@deliveries.post(
    "/{invoice_id}/resend",
    status_code=202,
    response_model=DeliveryOut,
    responses=errors(InvoiceNotFound, InvoiceNotFinalized, InvoiceNotSendable),
)
async def resend_invoice(
    invoice_id: str, auth: Auth, session: Session, body: ResendIn | None = None
) -> DeliveryOut:
    """Deliver a finalized invoice again, over one channel or in the usual order.

    Queues a new delivery that the worker runs after the request commits; `channel` limits it to one
    channel, otherwise the usual fallback order applies. A draft is not resent: sending it finalizes it.
    """
    return await service.resend(session, auth.merchant_id, invoice_id, body.channel if body else None)
