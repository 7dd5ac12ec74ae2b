"""FarPay's payments: list by payment date, invoice or payment reference; read one; refund one.

FarPay's paths are `/Payments` and `/payments`; both casings are served, the lower-case ones hidden
from the OpenAPI document. `{id}` is Faktura's payment id (`pay_...`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import SettingsDep
from faktura.customers import service as customers
from faktura.dialects.farpay.app import FarPayAuth, router
from faktura.dialects.farpay.major import Major, major
from faktura.dialects.farpay.paging import Paging, next_cursor
from faktura.invoices.errors import InvoiceChanged
from faktura.kit.currencies import to_minor
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.payments import received, refunds
from faktura.payments.errors import (
    PaymentChanged,
    PaymentFullyRefunded,
    PaymentIntentNotRefundable,
    PaymentNotFound,
    RefundNotPossible,
)
from faktura.payments.schemas import PaymentRecord, RefundCreate
from faktura.payments.states import PaymentStatus

payments_router = router("Payments")
Session = Annotated[AsyncSession, Depends(get_session)]

# FarPay's payment types, by Faktura's gateway: the test gateway takes cards; the manual one is money
# the merchant received outside Faktura (a bank transfer). Pay-later (`invoice`) receives no payment.
PAYMENT_TYPES = {"test": "Card", "manual": "BankTransfer"}

# FarPay's payment webhook events (Succeeded 200, Refunded 245); a partial refund leaves it Succeeded.
EVENTS = {
    PaymentStatus.SUCCEEDED: (200, "Succeeded"),
    PaymentStatus.PARTIALLY_REFUNDED: (200, "Succeeded"),
    PaymentStatus.REFUNDED: (245, "Refunded"),
}


class RefundAmount(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    amount: Decimal = Field(alias="Amount", gt=0, description="In the currency's major unit, e.g. 250.50")


class FarPayRefund(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    refund_id: str = Field(alias="RefundId")
    amount: Major = Field(alias="Amount")
    created: datetime = Field(alias="Created")


class FarPayPayment(BaseModel):
    """A payment as FarPay shows it; amounts in the currency's major unit."""

    model_config = ConfigDict(populate_by_name=True)

    payment_id: str = Field(alias="PaymentId", description="Faktura's payment id")
    invoice_id: str | None = Field(alias="InvoiceId", description="The invoice it was for or first settled")
    invoice_number: str | None = Field(alias="InvoiceNumber")
    customer_number: str | None = Field(
        alias="CustomerNumber", description="The customer's number (its externalId); null without one"
    )
    payment_date: date = Field(alias="PaymentDate", description="The day it was received (UTC)")
    amount: Major = Field(alias="Amount", description="What was received")
    paid_amount: Major = Field(alias="PaidAmount", description="Received less refunded")
    refunded_amount: Major = Field(alias="RefundedAmount")
    currency: str = Field(alias="Currency")
    payment_type: str = Field(alias="PaymentType", description="Card or BankTransfer; else the gateway's id")
    payment_reference: str | None = Field(alias="PaymentReference", description="The KID paid with")
    payment_status: str = Field(alias="PaymentStatus", description="Faktura's status of the payment")
    event: int = Field(alias="Event", description="FarPay's payment event: 200 Succeeded, 245 Refunded")
    event_name: str = Field(alias="EventName")
    payment_sign: str = Field("Payment", alias="PaymentSign")
    refunds: list[FarPayRefund] = Field(alias="Refunds", description="Oldest first")


def farpay_payment(record: PaymentRecord, numbers: dict[str, str]) -> FarPayPayment:
    payment, currency = record.payment, record.payment.currency
    event, event_name = EVENTS[payment.status]
    return FarPayPayment(
        payment_id=payment.id,
        invoice_id=record.invoice_id,
        invoice_number=record.invoice_number,
        customer_number=numbers.get(payment.customer_id) if payment.customer_id else None,
        payment_date=payment.received_at.date(),
        amount=major(payment.amount, currency),
        paid_amount=major(payment.amount - payment.amount_refunded, currency),
        refunded_amount=major(payment.amount_refunded, currency),
        currency=currency,
        payment_type=PAYMENT_TYPES.get(payment.gateway, payment.gateway),
        payment_reference=record.payment_reference,
        payment_status=payment.status.value,
        event=event,
        event_name=event_name,
        refunds=[
            FarPayRefund(refund_id=r.id, amount=major(r.amount, currency), created=r.created_at)
            for r in record.refunds
        ],
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def list_payments(
    auth: FarPayAuth,
    session: Session,
    paging: Paging,
    response: Response,
    payment_date_from: Annotated[
        date | None, Query(alias="paymentDateFrom", description="yyyy-MM-dd")
    ] = None,
    payment_date_to: Annotated[date | None, Query(alias="paymentDateTo", description="yyyy-MM-dd")] = None,
    invoice_id: Annotated[str | None, Query(alias="invoiceID", max_length=40)] = None,
    payment_reference: Annotated[str | None, Query(alias="paymentReference", max_length=25)] = None,
) -> list[FarPayPayment]:
    """List payments, newest first, by payment date, invoice or payment reference.

    The dates are inclusive days in UTC. `invoiceID` is Faktura's invoice id: the payments made for it
    or settling it. More than `limit`: the `X-Next-Cursor` header holds the next page's `cursor`.
    """
    rows, cursor = await received.page(
        session,
        auth.merchant_id,
        paging,
        received_from=_start_of(payment_date_from) if payment_date_from else None,
        received_before=_start_of(payment_date_to + timedelta(days=1)) if payment_date_to else None,
        invoice_id=invoice_id,
        payment_reference=payment_reference,
    )
    next_cursor(response, cursor)
    numbers = await _numbers(session, auth.merchant_id, rows)
    return [farpay_payment(row, numbers) for row in rows]


async def get_payment(id: str, auth: FarPayAuth, session: Session) -> FarPayPayment:
    """Get a payment with its refunds."""
    record = await received.get(session, auth.merchant_id, id)
    return farpay_payment(record, await _numbers(session, auth.merchant_id, [record]))


async def refund_payment(
    id: str, body: RefundAmount, auth: FarPayAuth, session: Session, settings: SettingsDep
) -> FarPayPayment:
    """Refund part or all of a payment.

    Never more than was received and not refunded yet; the invoices it settled owe the amount again.
    """
    payment = (await received.get(session, auth.merchant_id, id)).payment
    amount = to_minor(body.amount, payment.currency, field="Amount")
    data = RefundCreate(payment_intent_id=payment.payment_intent_id, amount=amount)
    await refunds.create(session, auth.merchant_id, data, settings=settings)
    record = await received.get(session, auth.merchant_id, id)
    return farpay_payment(record, await _numbers(session, auth.merchant_id, [record]))


_REFUND_ERRORS = errors(
    PaymentNotFound,
    PaymentIntentNotRefundable,
    PaymentFullyRefunded,
    RefundNotPossible,
    PaymentChanged,
    InvoiceChanged,
)

for path, hidden in (("/Payments", False), ("/payments", True)):
    payments_router.get(path, response_model=list[FarPayPayment], include_in_schema=not hidden)(list_payments)
    payments_router.get(
        f"{path}/{{id}}",
        response_model=FarPayPayment,
        responses=errors(PaymentNotFound),
        include_in_schema=not hidden,
    )(get_payment)
    payments_router.post(
        f"{path}/{{id}}/refund",
        response_model=FarPayPayment,
        responses=_REFUND_ERRORS,
        include_in_schema=not hidden,
    )(refund_payment)


async def _numbers(session: AsyncSession, merchant_id: str, records: list[PaymentRecord]) -> dict[str, str]:
    """The payers' customer numbers (`externalId`), by customer id."""
    ids = [r.payment.customer_id for r in records if r.payment.customer_id is not None]
    return await customers.external_ids(session, merchant_id, ids)
