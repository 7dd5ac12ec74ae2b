"""Front Payment's reads of an order: its status (one, or the merchant's list), its details, its
invoice number; each from Faktura's order and the invoice that bills it."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.dialects.frontpayment.ids import customer_uuid, order_uuid
from faktura.dialects.frontpayment.orders import service
from faktura.dialects.frontpayment.orders.schemas import (
    InvoiceNumberOut,
    OrderDetailsOut,
    OrderSummaryOut,
    ProductOut,
    StatusOut,
)
from faktura.dialects.frontpayment.orders.states import FrontPaymentStatus, needs_attention, status_of
from faktura.invoices.schemas import InvoiceOut
from faktura.kit.currencies import from_minor
from faktura.kit.pagination import PageParams
from faktura.orders import service as orders
from faktura.orders.schemas import OrderOut

_INTERVALS = {interval: number for number, interval in service.INTERVALS.items()}


async def status(session: AsyncSession, merchant_id: str, uuid: str) -> StatusOut:
    order = await service.order_of(session, merchant_id, uuid)
    return shown(uuid, order, await service.invoice_of(session, merchant_id, order))


def shown(uuid: str, order: OrderOut, invoice: InvoiceOut | None) -> StatusOut:
    """The order's status, and whether its invoice needs attention."""
    return StatusOut(uuid=uuid, status=status_of(order, invoice), needs_attention=needs_attention(invoice))


async def statuses(
    session: AsyncSession, merchant_id: str, wanted: FrontPaymentStatus | None, params: PageParams
) -> tuple[list[StatusOut], str | None]:
    """One page of the merchant's Front Payment orders, newest first (`params.limit` orders read, those
    made through Front Payment and in `wanted` shown), and the cursor of the next page."""
    rows, cursor = await orders.page(
        session, merchant_id, params, status=None, customer_id=None, created_from=None, created_to=None
    )
    listed = []
    for order in rows:
        if service.ORDER_DATE not in order.metadata:
            continue
        found = shown(order_uuid(order.id), order, await service.invoice_of(session, merchant_id, order))
        if wanted is None or found.status == wanted:
            listed.append(found)
    return listed, cursor


async def details(session: AsyncSession, merchant_id: str, uuid: str) -> OrderDetailsOut:
    order = await service.order_of(session, merchant_id, uuid)
    invoice = await service.invoice_of(session, merchant_id, order)
    kept = order.metadata
    product_ids = json.loads(kept[service.PRODUCT_IDS]) if service.PRODUCT_IDS in kept else []

    def major(amount: int) -> str:
        return str(from_minor(amount, order.currency))

    products = [
        ProductOut(
            name=item.description,
            product_id=product_ids[index] if index < len(product_ids) else None,
            quantity=_plain(item.quantity),
            rate=major(item.unit_price),
            discount=major(item.discount),
            tax=_plain(item.tax_rate),
            amount=major(item.net_amount),
        )
        for index, item in enumerate(order.items)
    ]
    discounts = sum(item.discount for item in order.items)
    return OrderDetailsOut(
        uuid=uuid,
        status=status_of(order, invoice),
        needs_attention=needs_attention(invoice),
        order_date=kept.get(service.ORDER_DATE),
        currency=order.currency,
        customer_uuid=customer_uuid(order.customer_id) if order.customer_id else None,
        products=products,
        order_summary=OrderSummaryOut(
            sub_total=major(order.subtotal + discounts),
            total_tax=major(order.tax_total),
            total_discount=major(discounts + order.discount_total),
            grand_total=major(order.total),
        ),
        invoice_number=invoice.invoice_number if invoice else None,
        invoice_interval=_INTERVALS[order.invoice_interval],
        separate_invoices=order.separate_invoices,
        invoice_maturity=order.payment_terms_days,
        reference_no=order.reference,
        customer_reference=kept.get(service.CUSTOMER_REFERENCE),
        callback_url=kept.get(service.CALLBACK_URL),
    )


async def invoice_number(session: AsyncSession, merchant_id: str, uuid: str) -> InvoiceNumberOut:
    order = await service.order_of(session, merchant_id, uuid)
    invoice = await service.invoice_of(session, merchant_id, order)
    return InvoiceNumberOut(uuid=uuid, invoice_number=invoice.invoice_number if invoice else None)


def _plain(value: Decimal) -> str:
    """`2.000000` as `2`, `12.50` as `12.5`: a quantity or a rate without its stored scale."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
