"""Front Payment's `connect/orders/...`: create an invoice order."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.dialects.frontpayment.app import FrontPaymentAuth, router
from faktura.dialects.frontpayment.orders import service
from faktura.dialects.frontpayment.orders.schemas import CreatedOut, Envelope, InvoiceOrderIn
from faktura.invoices.errors import OrderAlreadyInvoiced
from faktura.kit.errors import ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import get_session

orders = router("Orders")
Session = Annotated[AsyncSession, Depends(get_session)]


@orders.post(
    "/orders/invoice/create",
    status_code=201,
    response_model=Envelope[CreatedOut],
    responses=errors(ValidationFailed, OrderAlreadyInvoiced),
)
async def create_invoice_order(
    body: InvoiceOrderIn, auth: FrontPaymentAuth, session: Session
) -> Envelope[CreatedOut]:
    """Send an invoice: the order, its customer found or made, and its invoice issued and delivered.

    Delivered EHF first (a corporate PEPPOL participant), then e-mail, then post. With
    `separateInvoices` false the order waits for its customer's collective invoice of `invoiceInterval`.
    """
    created = await service.create(session, auth.merchant_id, body)
    return Envelope(status_code=201, message="orderAddedSuccessfully", is_data=False, data=created)
