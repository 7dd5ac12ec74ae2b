"""Build the API's order from its model: one stored, or one just built and not read back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from faktura.kit.currencies import format_money
from faktura.links import service as links
from faktura.models import InvoiceItem, Order, OrderItem
from faktura.orders.collective import InvoiceInterval
from faktura.orders.schemas import OrderItemOut, OrderOut, QuoteOut, TaxOut
from faktura.orders.states import OrderStatus
from faktura.totals.calculator import TaxCategory


def line_fields(item: OrderItem | InvoiceItem) -> dict[str, Any]:
    """What every priced line shows, an order's or an invoice's."""
    return {
        "id": item.id,
        "product_id": item.product_id,
        "price_id": item.price_id,
        "description": item.description,
        "quantity": item.quantity,
        "unit_code": item.unit_code,
        "unit_price": item.unit_price,
        "discount": item.discount,
        "tax_rule_id": item.tax_rule_id,
        "tax_rate": item.tax_rate,
        "tax_category": TaxCategory(item.tax_category),
        "tax_exemption_reason": item.tax_exemption_reason,
        "net_amount": item.net_amount,
        "tax_amount": item.tax_amount,
    }


def item_out(item: OrderItem) -> OrderItemOut:
    return OrderItemOut(**line_fields(item))


def order_out(order: Order, token: str | None, public_url: str, invoice_id: str | None = None) -> OrderOut:
    currency, language = order.currency, order.language
    money = {
        "subtotal": order.subtotal,
        "discountTotal": order.discount_total,
        "taxExclusiveAmount": order.tax_exclusive_amount,
        "taxTotal": order.tax_total,
        "total": order.total,
    }
    return OrderOut(
        id=order.id,
        status=OrderStatus(order.status),
        customer_id=order.customer_id,
        currency=currency,
        prices_include_tax=order.prices_include_tax,
        billing_cycle_id=order.billing_cycle_id,
        coupon_code=order.coupon_code,
        reference=order.reference,
        description=order.description,
        items=[item_out(i) for i in order.items],
        subtotal=order.subtotal,
        discount_total=order.discount_total,
        tax_exclusive_amount=order.tax_exclusive_amount,
        tax_total=order.tax_total,
        tax_inclusive_amount=order.tax_inclusive_amount,
        rounding_amount=order.rounding_amount,
        total=order.total,
        taxes=[
            TaxOut(
                category=TaxCategory(t["category"]),
                rate=Decimal(t["rate"]),
                taxable_amount=t["taxableAmount"],
                tax_amount=t["taxAmount"],
                allowance_amount=t["allowanceAmount"],
            )
            for t in order.taxes
        ],
        quote=QuoteOut(
            valid_until=order.expires_at,
            language=language,
            formatted={k: format_money(v, currency, language) for k, v in money.items()},
        ),
        token=token,
        payment_url=links.page_url(public_url, token),
        metadata=order.metadata_ or {},
        expires_at=order.expires_at,
        invoice_interval=InvoiceInterval(order.invoice_interval),
        separate_invoices=order.separate_invoices,
        payment_terms_days=order.payment_terms_days,
        collect_on=order.collect_on,
        invoice_id=invoice_id,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )
