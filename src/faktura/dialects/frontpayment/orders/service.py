"""Front Payment's order operations, translated onto Faktura's customers, orders and invoices.

No rule lives here: VAT, totals, numbering, collective invoicing and delivery are the services'. This
module says which service calls an invoice order is, keeps what Front Payment echoes back (the order
date, the callback URL, the product ids) in the order's metadata under `frontpayment.*`, and shows the
result in Front Payment's terms.
"""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.dialects.frontpayment import callbacks
from faktura.dialects.frontpayment.ids import customer_uuid, order_id, order_uuid
from faktura.dialects.frontpayment.orders import customers, figures
from faktura.dialects.frontpayment.orders.schemas import CreatedOut, InvoiceOrderIn
from faktura.invoices import drafts, lifecycle
from faktura.invoices import service as invoices
from faktura.invoices.delivery import service as delivery
from faktura.invoices.delivery.states import ChannelName
from faktura.invoices.schemas import InvoiceCreate, InvoiceOut
from faktura.kit.errors import ValidationFailed
from faktura.kit.pagination import MAX_LIMIT, PageParams
from faktura.kit.validation import Collector, fields_renamed
from faktura.merchants import service as merchants
from faktura.orders import schemas as native
from faktura.orders import service as orders
from faktura.orders.collective import InvoiceInterval
from faktura.orders.errors import OrderNotFound
from faktura.parties.validation import peppol_participant
from faktura.payments import service as payments
from faktura.payments.gateways import CARD_GATEWAY
from faktura.payments.schemas import IntentCreate
from faktura.tax import service as tax_rules
from faktura.totals.calculator import TaxCategory

# The order's metadata keys of what Front Payment shows and Faktura's order has no field for.
ORDER_DATE = "frontpayment.orderDate"
CALLBACK_URL = "frontpayment.callbackUrl"
PRODUCT_IDS = "frontpayment.productIds"
CUSTOMER_REFERENCE = "frontpayment.customerReference"
INVOICE_FEE = "frontpayment.invoiceFeeApplicable"
# How the order is paid: `invoice` (invoice and EHF orders) or `paymentLink` (on the payer's page).
PAYMENT_METHOD, INVOICE, PAYMENT_LINK = callbacks.PAYMENT_METHOD, "invoice", callbacks.PAYMENT_LINK

INTERVALS = {0: InvoiceInterval.DAILY, 1: InvoiceInterval.MONTHLY, 2: InvoiceInterval.TWICE_MONTHLY}

# Where a service's field is in Front Payment's body.
_ITEM_FIELDS = {
    "quantity": "quantity",
    "unitPrice": "rate",
    "discount": "discount",
    "description": "name",
    "taxRuleId": "tax",
}
_FIELDS = {
    "invoiceFee": "invoiceFeeApplicable",
    "paymentTermsDays": "invoiceMaturity",
    "reference": "customerReference",
    "orderReference": "referenceNo",
    "customerId": "customerDetails",
    "name": "customerDetails.name",
    "email": "customerDetails.email",
    "phone": "customerDetails.msisdn",
    "personalNumber": "customerDetails.personalNumber",
    "organizationNumber": "customerDetails.organizationId",
    "preferredLanguage": "customerDetails.preferredLanguage",
    "url": "callback.callbackUrl",
}


async def create(
    session: AsyncSession,
    settings: Settings,
    merchant_id: str,
    body: InvoiceOrderIn,
    *,
    ehf: bool = False,
    payment_link: bool = False,
) -> CreatedOut:
    """The customer found or made, the order, its callbacks, and (separate invoices) its invoice issued
    and sent with the fee, the maturity and the references; a collective order waits for its interval's
    invoice. `ehf`: a corporate buyer that is a PEPPOL participant only, its invoice sent by EHF alone.
    `payment_link`: no invoice; the order is offered on the payer's page (`payment_link_of`)."""
    errors = Collector()
    customer = customers.check(body.customer_details, body.invoice_maturity, errors)
    if ehf and body.customer_details.type != "corporate":
        errors.add("customerDetails.type", "corporate_only", "An EHF order is for a corporate customer only.")
    terms = await orders.merchant_terms(session, merchant_id, None)
    assert terms is not None  # the key authenticated a live merchant
    items = figures.items(body, terms.default_currency, await _rates(session, merchant_id), errors)
    errors.raise_if_any()
    assert customer is not None
    if ehf:
        await _peppol_participant(settings, customer.organization_number)
    with fields_renamed(_field):
        customer_id = await customers.find_or_create(session, merchant_id, customer)
        order = await orders.create(
            session,
            merchant_id,
            native.OrderCreate(
                items=items,
                prices_include_tax=False,
                customer_id=customer_id,
                reference=body.reference_no,
                language=customer.preferred_language,
                metadata=_kept(body, PAYMENT_LINK if payment_link else INVOICE),
                invoice_interval=INTERVALS[body.invoice_interval],
                # A payment link's order is never collected into an invoice.
                separate_invoices=body.separate_invoices or payment_link,
                payment_terms_days=body.invoice_maturity,
            ),
        )
        if body.callback is not None and body.callback.callback_url is not None:
            await callbacks.subscribe(session, settings, merchant_id, order.id, body.callback.callback_url)
        if payment_link:
            await payments.create(
                session,
                merchant_id,
                IntentCreate(
                    order_id=order.id, amount=order.total, currency=order.currency, gateway=CARD_GATEWAY
                ),
                settings=settings,
            )
        elif body.separate_invoices:
            invoice = await drafts.create(
                session,
                merchant_id,
                InvoiceCreate(
                    order_id=order.id,
                    reference=body.customer_reference,
                    payment_terms_days=body.invoice_maturity,
                    invoice_fee=body.invoice_fee_applicable,
                ),
            )
            await lifecycle.send(session, merchant_id, invoice.id, ChannelName.EHF if ehf else None)
    return CreatedOut(uuid=order_uuid(order.id), customer_uuid=customer_uuid(customer_id))


async def _peppol_participant(settings: Settings, organization_number: str | None) -> None:
    """A 422 on `customerDetails.organizationId` unless the buyer is in the PEPPOL directory."""
    participant = peppol_participant("NO", organization_number) if organization_number else None
    if participant is None or not await delivery.peppol_registered(settings, participant):
        raise ValidationFailed.field(
            "customerDetails.organizationId",
            "not_peppol_participant",
            f"Organisation {organization_number} is not a PEPPOL participant: it cannot receive EHF. "
            "Send the order with connect/orders/invoice/create instead.",
        )


async def order_of(session: AsyncSession, merchant_id: str, uuid: str) -> native.OrderOut:
    """The merchant's order a uuid names; another merchant's, or none, is not found."""
    found = order_id(uuid)
    if found is None:
        raise OrderNotFound(uuid)
    return await orders.get(session, merchant_id, found)


async def invoice_of(session: AsyncSession, merchant_id: str, order: native.OrderOut) -> InvoiceOut | None:
    """The invoice that bills the order: its collective one, or the newest made of it alone."""
    if order.invoice_id is not None:
        return await invoices.get(session, merchant_id, order.invoice_id)
    if not order.separate_invoices:
        return None
    newest = PageParams(limit=1, after_id=None)
    found, _ = await invoices.page(session, merchant_id, newest, order_id=order.id)
    return found[0] if found else None


async def _rates(session: AsyncSession, merchant_id: str) -> dict[Decimal, str]:
    """The merchant's VAT rates in its own country (standard and zero), each with its rule."""
    merchant = await merchants.require(session, merchant_id)
    rules, _ = await tax_rules.page(
        session,
        merchant_id,
        PageParams(limit=MAX_LIMIT, after_id=None),
        country=merchant.country,
        active=True,
    )
    rates: dict[Decimal, str] = {}
    for rule in rules:
        if TaxCategory(rule.category) in (TaxCategory.STANDARD, TaxCategory.ZERO):
            rates.setdefault(Decimal(rule.rate).normalize(), rule.id)
    return rates


async def payment_link_of(session: AsyncSession, merchant_id: str, uuid: str) -> str:
    """The payer's page of the order."""
    found = await order_of(session, merchant_id, uuid)
    assert found.payment_url is not None  # every order has its page
    return found.payment_url


def _kept(body: InvoiceOrderIn, method: str) -> dict[str, str]:
    """What Front Payment shows of the order that Faktura's order has no field for."""
    product_ids = [product.product_id for product in body.products]
    values = {
        ORDER_DATE: body.order_date,
        CALLBACK_URL: body.callback.callback_url if body.callback else None,
        PRODUCT_IDS: json.dumps(product_ids) if any(product_ids) else None,
        CUSTOMER_REFERENCE: body.customer_reference,
        INVOICE_FEE: "true" if body.invoice_fee_applicable else "false",
        PAYMENT_METHOD: method,
    }
    return {key: value for key, value in values.items() if value is not None}


def _field(name: str) -> str:
    if name.startswith("items["):
        index, _, rest = name.removeprefix("items[").partition("]")
        return f"products.{index}" + (f".{_ITEM_FIELDS.get(rest[1:], rest[1:])}" if rest else "")
    if name.startswith("address."):
        return f"customerDetails.{name}"
    return _FIELDS.get(name, name)
