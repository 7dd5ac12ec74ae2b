"""FarPay's webhooks: Order and Payment notifications, in FarPay's bodies, to the merchant's receivers.

FarPay configures a merchant's receivers in its portal; here `POST /webhooks {Url, Type, Secret?}` does
(listed at `GET /webhooks`, removed with `DELETE /webhooks/{Id}`), and an order's `CallbackUrl` also hears
that order's Order webhooks. They are Faktura's webhook endpoints in FarPay's formats: the same durable
jobs, retry schedule, SSRF guard and replay as native webhooks, the same `webhook-id` on every retry, and
signed per Standard Webhooks (`webhook-signature`) when a `whsec_` secret is configured, unsigned otherwise;
a receiver may take them as GETs with the body's fields as query parameters instead (`Method: "GET"`,
never signed).

- Order: `{"Order": {"Token", "OrderEvent", "ExternalId", "Created", "CustomerNumber"}}` when an order is
  created (New 300), paid (PendingCustomerNumber 320 without a customer, else Completed 330) and completed
  by its invoice (Completed 330).
- Payment: `{"Type": "Payment", "Event", "InvoiceNumber", "CustomerNumber", "PaymentDueDate", "Currency",
  "InvoiceAmount", "Amount", "PaymentType", "PaymentReference", "AgreementId"}` when a payment succeeds
  (Succeeded 200), a payment attempt fails (Failed 220), and a refund is made (Refunded 245).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import SettingsDep
from faktura.config import Settings
from faktura.customers import service as customers
from faktura.customers.errors import CustomerNotFound
from faktura.dialects.farpay.app import FarPayAuth, router
from faktura.dialects.farpay.major import major
from faktura.dialects.farpay.payments import PAYMENT_TYPES
from faktura.invoices import service as invoices
from faktura.invoices.errors import InvoiceNotFound
from faktura.invoices.schemas import InvoiceOut
from faktura.kit.errors import FieldError, ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.payments import received
from faktura.webhooks import formats
from faktura.webhooks import service as webhooks
from faktura.webhooks.errors import WebhookEndpointNotFound

ORDER_FORMAT = "farpay.order"
PAYMENT_FORMAT = "farpay.payment"
ORDER_EVENTS = ["order.created", "order.paid", "order.completed"]
PAYMENT_EVENTS = ["payment.succeeded", "payment_intent.payment_failed", "refund.created"]

# FarPay's OrderEvent codes.
NEW, PENDING_CUSTOMER_NUMBER, COMPLETED = 300, 320, 330
# FarPay's payment Event codes.
SUCCEEDED, FAILED, REFUNDED = 200, 220, 245

webhooks_router = router("Webhooks")
Session = Annotated[AsyncSession, Depends(get_session)]


class WebhookType(StrEnum):
    ORDER = "Order"
    PAYMENT = "Payment"


_FORMAT_OF = {WebhookType.ORDER: ORDER_FORMAT, WebhookType.PAYMENT: PAYMENT_FORMAT}
_EVENTS_OF = {WebhookType.ORDER: ORDER_EVENTS, WebhookType.PAYMENT: PAYMENT_EVENTS}
_TYPE_OF = {ORDER_FORMAT: WebhookType.ORDER, PAYMENT_FORMAT: WebhookType.PAYMENT}


# -- the bodies ----------------------------------------------------------------------------------------


def _json(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body)


async def _customer_number(session: AsyncSession, merchant_id: str, customer_id: str | None) -> str | None:
    """FarPay's customer number: the customer's `externalId` (what an order's Customer named it)."""
    if customer_id is None:
        return None
    try:
        return (await customers.billed(session, merchant_id, customer_id)).external_id
    except CustomerNotFound:
        return None


async def order_body(session: AsyncSession, event: formats.EventFacts) -> bytes:
    order = event.data
    if event.type == "order.created":
        code = NEW
    elif event.type == "order.paid" and order.get("customerId") is None:
        code = PENDING_CUSTOMER_NUMBER
    else:
        code = COMPLETED
    return _json(
        {
            "Order": {
                "Token": order.get("token"),
                "OrderEvent": code,
                "ExternalId": (order.get("metadata") or {}).get("farpay.ExternalID"),
                "Created": order.get("createdAt"),
                "CustomerNumber": await _customer_number(session, event.merchant_id, order.get("customerId")),
            }
        }
    )


async def payment_body(session: AsyncSession, event: formats.EventFacts) -> bytes:
    data = event.data
    if event.type in ("payment.succeeded", "refund.created"):
        succeeded = event.type == "payment.succeeded"
        record = await received.get(
            session, event.merchant_id, data["id"] if succeeded else data["paymentId"]
        )
        code, amount, invoice_id = SUCCEEDED if succeeded else REFUNDED, data["amount"], record.invoice_id
        reference, gateway = record.payment_reference, record.payment.gateway
        payer = record.payment.customer_id
    else:  # payment_intent.payment_failed: the attempt's intent
        code, amount, invoice_id = FAILED, data["amount"], data.get("invoiceId")
        reference, gateway, payer = data.get("paymentReference"), data["gateway"], data.get("customerId")
    currency = data["currency"]
    invoice = await _invoice(session, event.merchant_id, invoice_id)
    customer_id = invoice.customer_id if invoice is not None else payer
    return _json(
        {
            "Type": "Payment",
            "Event": code,
            "InvoiceNumber": invoice.invoice_number if invoice is not None else None,
            "CustomerNumber": await _customer_number(session, event.merchant_id, customer_id),
            "PaymentDueDate": _day(invoice.due_date) if invoice is not None else None,
            "Currency": currency,
            "InvoiceAmount": float(major(invoice.total, currency)) if invoice is not None else None,
            "Amount": float(major(amount, currency)),
            "PaymentType": PAYMENT_TYPES.get(gateway, gateway),
            "PaymentReference": reference,
            "AgreementId": None,
        }
    )


async def _invoice(session: AsyncSession, merchant_id: str, invoice_id: str | None) -> InvoiceOut | None:
    if invoice_id is None:
        return None
    try:
        return await invoices.get(session, merchant_id, invoice_id)
    except InvoiceNotFound:
        return None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


formats.register(ORDER_FORMAT, order_body)
formats.register(PAYMENT_FORMAT, payment_body)


# -- the receivers -------------------------------------------------------------------------------------


async def order_callback(
    session: AsyncSession, settings: Settings, merchant_id: str, order_id: str, url: str
) -> None:
    """The order's `CallbackUrl` hears that order's Order webhooks (unsigned: FarPay's order has no
    secret of its own)."""
    with _named({"url": "CallbackUrl"}):
        await webhooks.create_formatted(
            session,
            settings,
            merchant_id,
            url=url,
            events=ORDER_EVENTS,
            format=ORDER_FORMAT,
            secret=None,
            resource_id=order_id,
            description="FarPay order CallbackUrl",
        )


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    url: str = Field(alias="Url", min_length=1, max_length=2048, description="The receiver, https")
    type: WebhookType = Field(alias="Type", description="Order or Payment")
    secret: str | None = Field(
        None,
        alias="Secret",
        max_length=100,
        description="A Standard Webhooks secret (`whsec_` and base64); deliveries are signed with it",
    )
    method: Literal["POST", "GET"] = Field(
        "POST",
        alias="Method",
        description="POST: the body as JSON. GET: the body's fields as query parameters (unsigned)",
    )


class WebhookOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="Id")
    url: str = Field(alias="Url")
    type: WebhookType = Field(alias="Type")
    method: str = Field(alias="Method")
    signed: bool = Field(alias="Signed", description="Whether deliveries carry `webhook-signature`")
    enabled: bool = Field(alias="Enabled")
    created: datetime = Field(alias="Created")


def _shown(endpoint: Any) -> WebhookOut:
    return WebhookOut(
        id=endpoint.id,
        url=endpoint.url,
        type=_TYPE_OF[endpoint.format],
        method=endpoint.method,
        signed=endpoint.secret is not None,
        enabled=endpoint.enabled,
        created=endpoint.created_at,
    )


@webhooks_router.post("/webhooks", status_code=201, response_model=WebhookOut)
async def create_webhook(
    body: WebhookIn, auth: FarPayAuth, session: Session, settings: SettingsDep
) -> WebhookOut:
    """Add a receiver of FarPay's Order or Payment webhooks.

    FarPay configures these in its portal. Deliveries are JSON POSTs with FarPay's bodies, retried on the
    native webhooks' schedule with the same `webhook-id`, and signed per Standard Webhooks when `Secret`
    is given. The native API's `/api/v1/WebhookEndpoints` shows them too (with their `format`), where
    their deliveries can be read and replayed.
    """
    with _named({"url": "Url", "secret": "Secret"}):
        endpoint = await webhooks.create_formatted(
            session,
            settings,
            auth.merchant_id,
            url=body.url,
            events=_EVENTS_OF[body.type],
            format=_FORMAT_OF[body.type],
            secret=body.secret,
            method=body.method,
        )
    return _shown(endpoint)


@webhooks_router.get("/webhooks", response_model=list[WebhookOut])
async def list_webhooks(auth: FarPayAuth, session: Session) -> list[WebhookOut]:
    """The merchant's receivers of FarPay's webhooks (not the orders' CallbackUrls), oldest first."""
    return [_shown(e) for e in await webhooks.formatted(session, auth.merchant_id, list(_TYPE_OF))]


@webhooks_router.delete("/webhooks/{id}", status_code=204, responses=errors(WebhookEndpointNotFound))
async def delete_webhook(id: str, auth: FarPayAuth, session: Session) -> None:
    """Remove a receiver; deliveries still waiting for it end unsent."""
    endpoint = await webhooks.get(session, auth.merchant_id, id)
    if endpoint.format not in _TYPE_OF:
        raise WebhookEndpointNotFound(id)
    await webhooks.delete(session, auth.merchant_id, id)


class _named:
    """A service's refused fields, named as FarPay's body names them."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, _tb: object) -> None:
        if isinstance(exc, ValidationFailed) and exc.details:
            details = [FieldError(self.names.get(d.field, d.field), d.code, d.message) for d in exc.details]
            raise ValidationFailed(exc.message, details=details) from exc
