"""Front Payment's `connect/orders/...`: create an invoice order, read its status, details and invoice
number, cancel it, send its invoice again."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import SettingsDep
from faktura.dialects.frontpayment.app import FrontPaymentAuth, router
from faktura.dialects.frontpayment.orders import actions, reads, refunds, service
from faktura.dialects.frontpayment.orders.errors import OrderNotInvoicedYet
from faktura.dialects.frontpayment.orders.schemas import (
    CancelIn,
    CreatedOut,
    Envelope,
    InvoiceNumberOut,
    InvoiceOrderIn,
    OrderDetailsOut,
    PaymentLinkOut,
    RefundIn,
    StatusOut,
)
from faktura.dialects.frontpayment.orders.states import FrontPaymentStatus
from faktura.documents.errors import SellerDetailsMissing
from faktura.invoices.delivery.errors import PeppolLookupFailed
from faktura.invoices.errors import (
    InvalidInvoiceTransition,
    InvoiceChanged,
    InvoiceFullyCredited,
    InvoiceNotCreditable,
    InvoiceNotFinalized,
    InvoiceNotSendable,
    InvoiceNotVoidable,
    KidLengthExceeded,
)
from faktura.kit.errors import ConcurrentChange, ValidationFailed
from faktura.kit.http import errors
from faktura.kit.pagination import PageParams, page_params
from faktura.kit.routing import get_session
from faktura.merchants.errors import InvalidInvoiceSettings
from faktura.orders.errors import InvalidOrderTransition, OrderChanged, OrderHasPayment, OrderNotFound
from faktura.payments.errors import RefundNotPossible

orders = router("Orders")
Session = Annotated[AsyncSession, Depends(get_session)]


@orders.post(
    "/orders/invoice/create",
    status_code=201,
    response_model=Envelope[CreatedOut],
    # What issuing the invoice can meet: the merchant's profile or settings not ready to issue one.
    responses=errors(ValidationFailed, SellerDetailsMissing, KidLengthExceeded, InvalidInvoiceSettings),
)
async def create_invoice_order(
    body: InvoiceOrderIn, auth: FrontPaymentAuth, session: Session, settings: SettingsDep
) -> Envelope[CreatedOut]:
    """Send an invoice: the order, its customer found or made, and its invoice issued and delivered.

    Delivered EHF first (a corporate PEPPOL participant), then e-mail, then post. With
    `separateInvoices` false the order waits for its customer's collective invoice of `invoiceInterval`.
    With `callback.callbackUrl`, each change of the order's status is told there by a GET.
    """
    created = await service.create(session, settings, auth.merchant_id, body)
    return Envelope(status_code=201, message="orderAddedSuccessfully", is_data=False, data=created)


@orders.post(
    "/orders/ehf/create",
    status_code=201,
    response_model=Envelope[CreatedOut],
    responses=errors(
        ValidationFailed, SellerDetailsMissing, KidLengthExceeded, InvalidInvoiceSettings, PeppolLookupFailed
    ),
)
async def create_ehf_order(
    body: InvoiceOrderIn, auth: FrontPaymentAuth, session: Session, settings: SettingsDep
) -> Envelope[CreatedOut]:
    """Send an invoice by EHF: the same order as `orders/invoice/create`, for a corporate customer that
    is a PEPPOL participant, its invoice delivered by EHF alone.

    A private customer is a 422 on `customerDetails.type` (`corporateOnly`), an organisation that is not
    in the PEPPOL directory a 422 on `customerDetails.organizationId` (`notPeppolParticipant`).
    """
    created = await service.create(session, settings, auth.merchant_id, body, ehf=True)
    return Envelope(status_code=201, message="orderAddedSuccessfully", is_data=False, data=created)


@orders.post(
    "/orders/payment-link/create",
    status_code=201,
    response_model=Envelope[PaymentLinkOut],
    responses=errors(ValidationFailed),
)
async def create_payment_link_order(
    body: InvoiceOrderIn, auth: FrontPaymentAuth, session: Session, settings: SettingsDep
) -> Envelope[PaymentLinkOut]:
    """A payment link: the same order as `orders/invoice/create`, paid by the payer on Faktura's page.

    No invoice is issued or sent; `data.paymentLink` is the payer's page, which the merchant gives the
    payer. The order is INVOICED until it is paid there, then PAID.
    """
    created = await service.create(session, settings, auth.merchant_id, body, payment_link=True)
    link = await service.payment_link_of(session, auth.merchant_id, created.uuid)
    return Envelope(
        status_code=201,
        message="orderAddedSuccessfully",
        is_data=False,
        data=PaymentLinkOut(uuid=created.uuid, customer_uuid=created.customer_uuid, payment_link=link),
    )


@orders.get("/orders/status/{uuid}", response_model=Envelope[StatusOut], responses=errors(OrderNotFound))
async def get_order_status(uuid: str, auth: FrontPaymentAuth, session: Session) -> Envelope[StatusOut]:
    """The order's status: SENT, PAID, CANCELLED, EXPIRED, INVOICED, REFUNDED or PARTIAL REFUNDED."""
    found = await reads.status(session, auth.merchant_id, uuid)
    return Envelope(status_code=200, message="orderStatus", is_data=True, data=found)


@orders.get("/orders/status", response_model=Envelope[list[StatusOut]], responses=errors(ValidationFailed))
async def list_order_statuses(
    auth: FrontPaymentAuth,
    session: Session,
    response: Response,
    paging: Annotated[PageParams, Depends(page_params)],
    kind: Annotated[
        str | None,
        Query(alias="type", max_length=20, description="Only orders in this status (SENT, PAID, ...)"),
    ] = None,
) -> Envelope[list[StatusOut]]:
    """The statuses of the merchant's Front Payment orders, newest first.

    `limit` orders are read a page; when there are more, the `X-Next-Cursor` header holds the `cursor`
    of the next page. With `type`, a page shows those of its orders in that status.
    """
    wanted = None
    if kind is not None:
        try:
            wanted = FrontPaymentStatus(kind.upper())
        except ValueError:
            names = ", ".join(s.value for s in FrontPaymentStatus)
            raise ValidationFailed.field("type", "invalid_choice", f"type is one of {names}.") from None
    shown, cursor = await reads.statuses(session, auth.merchant_id, wanted, paging)
    if cursor is not None:
        response.headers["X-Next-Cursor"] = cursor
    return Envelope(status_code=200, message="orderStatusList", is_data=True, data=shown)


@orders.get(
    "/orders/details/{uuid}", response_model=Envelope[OrderDetailsOut], responses=errors(OrderNotFound)
)
async def get_order_details(uuid: str, auth: FrontPaymentAuth, session: Session) -> Envelope[OrderDetailsOut]:
    """The order: its products, summary, status, references and invoice number."""
    found = await reads.details(session, auth.merchant_id, uuid)
    return Envelope(status_code=200, message="orderDetails", is_data=True, data=found)


@orders.get(
    "/orders/invoice-number/{uuid}",
    response_model=Envelope[InvoiceNumberOut],
    responses=errors(OrderNotFound),
)
async def get_order_invoice_number(
    uuid: str, auth: FrontPaymentAuth, session: Session
) -> Envelope[InvoiceNumberOut]:
    """The number of the invoice that bills the order; null while it waits for its collective invoice."""
    found = await reads.invoice_number(session, auth.merchant_id, uuid)
    return Envelope(status_code=200, message="invoiceNumber", is_data=True, data=found)


@orders.post(
    "/orders/cancel/{uuid}",
    response_model=Envelope[StatusOut],
    responses=errors(
        OrderNotFound,
        InvoiceNotVoidable,
        InvalidInvoiceTransition,
        InvoiceChanged,
        InvalidOrderTransition,
        OrderHasPayment,
        OrderChanged,
    ),
)
async def cancel_order(
    uuid: str, auth: FrontPaymentAuth, session: Session, body: CancelIn | None = None
) -> Envelope[StatusOut]:
    """Cancel the order: its invoice is voided (open and neither paid nor credited), or, waiting for its
    collective invoice, it is never collected. A paid or credited invoice is credited instead (native API)."""
    cancelled = await actions.cancel(session, auth.merchant_id, uuid)
    return Envelope(status_code=200, message="orderCancelledSuccessfully", is_data=False, data=cancelled)


@orders.post(
    "/orders/resend/{uuid}",
    response_model=Envelope[StatusOut],
    responses=errors(OrderNotFound, OrderNotInvoicedYet, InvoiceNotSendable, InvoiceNotFinalized),
)
async def resend_order(uuid: str, auth: FrontPaymentAuth, session: Session) -> Envelope[StatusOut]:
    """Send the order's invoice again, EHF, then e-mail, then post."""
    sent = await actions.resend(session, auth.merchant_id, uuid)
    return Envelope(status_code=200, message="orderResentSuccessfully", is_data=False, data=sent)


@orders.post(
    "/orders/refund/{uuid}",
    response_model=Envelope[StatusOut],
    responses=errors(
        OrderNotFound,
        OrderNotInvoicedYet,
        ValidationFailed,
        InvoiceNotCreditable,
        InvoiceFullyCredited,
        RefundNotPossible,
        ConcurrentChange,
    ),
)
async def refund_order(
    uuid: str, body: RefundIn, auth: FrontPaymentAuth, session: Session, settings: SettingsDep
) -> Envelope[StatusOut]:
    """Refund the order: a credit note of its invoice, and what was paid of it paid back.

    `type` `full` credits all that is not credited yet; `partial` credits `amount` (VAT-exclusive) of
    each product named by its `productId` in `products`. `grandTotal` (VAT included) is checked against
    the credit note's total. Money paid by card is refunded to the card; the status is then REFUNDED or
    PARTIAL REFUNDED.
    """
    refunded = await refunds.refund(session, settings, auth.merchant_id, uuid, body)
    return Envelope(status_code=200, message="orderRefundedSuccessfully", is_data=False, data=refunded)
