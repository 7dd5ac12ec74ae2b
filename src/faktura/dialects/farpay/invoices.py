"""FarPay's invoices: list, read, refund. Faktura's invoices, in FarPay's fields and statuses.

`{id}` is Faktura's invoice id (`inv_...`), as FarPay's `Id` is its own; `InvoiceNumber` is the
printed number. Lists are newest first, a page of `limit` at a time; the next page's cursor comes in the
`X-Next-Cursor` header, so the body stays FarPay's plain array.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import SettingsDep
from faktura.customers import service as customers
from faktura.dialects.farpay import invoice_states
from faktura.dialects.farpay.app import FarPayAuth, router
from faktura.dialects.farpay.major import Major, major
from faktura.dialects.farpay.paging import Paging, next_cursor
from faktura.dialects.farpay.payments import FarPayPayment, RefundAmount, farpay_payment
from faktura.invoices import service as invoices
from faktura.invoices.errors import InvoiceChanged, InvoiceNotFound
from faktura.invoices.schemas import InvoiceOut
from faktura.invoices.states import InvoiceStatus
from faktura.kit.currencies import to_minor
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.payments import received, refunds
from faktura.payments.errors import (
    InvoiceNotRefundable,
    PaymentChanged,
    PaymentFullyRefunded,
    PaymentIntentNotRefundable,
    RefundNotPossible,
)

invoices_router = router("Invoices")
Session = Annotated[AsyncSession, Depends(get_session)]
ISSUED = frozenset(InvoiceStatus) - {InvoiceStatus.DRAFT}


class InvoiceLine(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    description: str = Field(alias="Description")
    quantity: Decimal = Field(alias="Quantity")
    unit_code: str = Field(alias="UnitCode")
    unit_price: Major = Field(
        alias="UnitPrice", description="Before VAT unless the invoice's prices include it"
    )
    net_amount: Major = Field(alias="NetAmount")
    tax_rate: Decimal = Field(alias="TaxRate")
    tax_amount: Major = Field(alias="TaxAmount")


class FarPayInvoice(BaseModel):
    """An invoice as FarPay shows it; amounts in the currency's major unit."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="Id", description="Faktura's invoice id")
    created: datetime = Field(alias="Created")
    invoice_number: str | None = Field(alias="InvoiceNumber", description="The printed number, e.g. INV-42")
    invoice_type_code: str = Field("PIE", alias="InvoiceTypeCode", description="PIE: an invoice")
    customer_number: str | None = Field(
        alias="CustomerNumber", description="The customer's number (its externalId); null without one"
    )
    invoice_date: date | None = Field(alias="InvoiceDate")
    payment_due_date: date | None = Field(alias="PaymentDueDate")
    currency: str = Field(alias="Currency")
    invoice_amount: Major = Field(alias="InvoiceAmount", description="The total, VAT included")
    tax_amount: Major = Field(alias="TaxAmount")
    paid_amount: Major = Field(alias="PaidAmount", description="Paid by payments and by credit")
    to_be_paid_amount: Major = Field(alias="ToBePaidAmount", description="What is still owed")
    payment_reference: str | None = Field(alias="PaymentReference", description="The KID")
    payment_status: str = Field(alias="PaymentStatus", description="FarPay's name of the payment status")
    payment_status_code: int = Field(alias="PaymentStatusCode", description="... and its number")
    send_status: str = Field(alias="SendStatus", description="FarPay's name of the send status")
    send_status_code: int = Field(alias="SendStatusCode", description="... and its number")
    invoice_status: str = Field(alias="InvoiceStatus", description="Faktura's own status of the invoice")
    invoice_note: str | None = Field(alias="InvoiceNote")
    error_description: str = Field(alias="ErrorDescription")
    lines: list[InvoiceLine] = Field(alias="Lines")


class InvoiceRefund(BaseModel):
    """What a refund of an invoice did: one refund per payment it took money back from."""

    model_config = ConfigDict(populate_by_name=True)

    message: str = Field(alias="Message")
    invoice: FarPayInvoice = Field(alias="Invoice")
    payments: list[FarPayPayment] = Field(alias="Payments", description="The payments refunded, as now")


def farpay_invoice(invoice: InvoiceOut, numbers: dict[str, str]) -> FarPayInvoice:
    currency = invoice.currency
    paid, sent = invoice_states.payment_status(invoice), invoice_states.send_status(invoice)
    return FarPayInvoice(
        id=invoice.id,
        created=invoice.created_at,
        invoice_number=invoice.invoice_number,
        customer_number=numbers.get(invoice.customer_id),
        invoice_date=invoice.issue_date,
        payment_due_date=invoice.due_date,
        currency=currency,
        invoice_amount=major(invoice.total, currency),
        tax_amount=major(invoice.tax_total, currency),
        paid_amount=major(invoice.amount_paid, currency),
        to_be_paid_amount=major(invoice.amount_due, currency),
        payment_reference=invoice.payment_reference,
        payment_status=invoice_states.PAYMENT_STATUS_NAMES[paid],
        payment_status_code=paid.value,
        send_status=invoice_states.SEND_STATUS_NAMES[sent],
        send_status_code=sent.value,
        invoice_status=invoice.status.value,
        invoice_note=invoice.note,
        error_description=(
            "Every delivery channel failed or none applied."
            if sent is invoice_states.SendStatus.ERROR
            else ""
        ),
        lines=[
            InvoiceLine(
                description=item.description,
                quantity=item.quantity,
                unit_code=item.unit_code,
                unit_price=major(item.unit_price, currency),
                net_amount=major(item.net_amount, currency),
                tax_rate=item.tax_rate,
                tax_amount=major(item.tax_amount, currency),
            )
            for item in invoice.items
        ],
    )


@invoices_router.get("/invoices", response_model=list[FarPayInvoice])
async def list_invoices(
    auth: FarPayAuth,
    session: Session,
    paging: Paging,
    response: Response,
    due_date_from: Annotated[date | None, Query(alias="dueDateFrom", description="yyyy-MM-dd")] = None,
    due_date_to: Annotated[date | None, Query(alias="dueDateTo", description="yyyy-MM-dd")] = None,
    payment_status: Annotated[
        str | None, Query(alias="paymentStatus", max_length=20, description="A number (200) or name (Paid)")
    ] = None,
) -> list[FarPayInvoice]:
    """List issued invoices, newest first, by due date and payment status.

    Drafts are not listed. The due dates are inclusive. More than `limit`: the `X-Next-Cursor` header
    holds the next page's `cursor`.
    """
    statuses: frozenset[InvoiceStatus] = ISSUED
    if payment_status is not None:
        wanted = invoice_states.parse_payment_status(payment_status, "paymentStatus")
        statuses = statuses & invoice_states.invoice_statuses(wanted)
    rows, cursor = await invoices.page(
        session,
        auth.merchant_id,
        paging,
        statuses=sorted(s.value for s in statuses),
        due_from=due_date_from,
        due_to=due_date_to,
    )
    next_cursor(response, cursor)
    numbers = await customers.external_ids(session, auth.merchant_id, [row.customer_id for row in rows])
    return [farpay_invoice(row, numbers) for row in rows]


@invoices_router.get("/invoices/{id}", response_model=FarPayInvoice, responses=errors(InvoiceNotFound))
async def get_invoice(id: str, auth: FarPayAuth, session: Session) -> FarPayInvoice:
    """Get an invoice by Faktura's invoice id, with its lines."""
    invoice = await invoices.get(session, auth.merchant_id, id)
    return farpay_invoice(
        invoice, await customers.external_ids(session, auth.merchant_id, [invoice.customer_id])
    )


@invoices_router.post(
    "/invoices/{id}/refund",
    response_model=InvoiceRefund,
    responses=errors(
        InvoiceNotFound,
        InvoiceNotRefundable,
        PaymentIntentNotRefundable,
        PaymentFullyRefunded,
        RefundNotPossible,
        PaymentChanged,
        InvoiceChanged,
    ),
)
async def refund_invoice(
    id: str, body: RefundAmount, auth: FarPayAuth, session: Session, settings: SettingsDep
) -> InvoiceRefund:
    """Refund part or all of what was paid on an invoice.

    The newest payment first, each up to what it settled on the invoice; the invoice owes the refunded
    amount again. A credit note is not made: credit the invoice through the native API if the sale is undone.
    """
    invoice = await invoices.get(session, auth.merchant_id, id)
    amount = to_minor(body.amount, invoice.currency, field="Amount")
    made = await refunds.refund_invoice(session, auth.merchant_id, id, amount, settings=settings)
    payments = [await received.get(session, auth.merchant_id, refund.payment_id) for refund in made]
    refunded = _refunded_text(body.amount, invoice.currency, len(made))
    shown = await invoices.get(session, auth.merchant_id, id)
    payers = [p.payment.customer_id for p in payments if p.payment.customer_id is not None]
    numbers = await customers.external_ids(session, auth.merchant_id, [shown.customer_id, *payers])
    return InvoiceRefund(
        message=refunded,
        invoice=farpay_invoice(shown, numbers),
        payments=[farpay_payment(p, numbers) for p in payments],
    )


def _refunded_text(amount: Decimal, currency: str, count: int) -> str:
    return f"{amount} {currency} refunded from {count} payment{'s' if count != 1 else ''}."
