"""The merchant's invoice fee (`invoiceSettings.invoiceFee`), added as an ordinary line on request."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.money import round_half_up
from faktura.kit.validation import Collector
from faktura.merchants import service as merchants
from faktura.orders.schemas import OrderItemIn
from faktura.totals.calculator import TaxCategory


async def fee_line(
    session: AsyncSession, merchant_id: str, currency: str, prices_include_tax: bool, errors: Collector
) -> OrderItemIn | None:
    """The fee as an item in the invoice's price basis, or None with the problem noted on `invoiceFee`.

    The configured amount is VAT-exclusive; on an invoice with VAT-inclusive prices the line's price is
    that amount with its VAT added, rounded half-up.
    """
    merchant = await merchants.find(session, merchant_id)
    fee = (merchant.invoice_settings or {}).get("invoiceFee") if merchant else None
    if not isinstance(fee, dict):
        errors.add("invoiceFee", "invoice_fee_not_configured", "The merchant has no invoice fee configured.")
        return None
    if fee["currency"] != currency:
        errors.add(
            "invoiceFee",
            "invoice_fee_currency_mismatch",
            f"The invoice fee is set in {fee['currency']}; this invoice is in {currency}.",
        )
        return None
    rate = Decimal(fee["taxRate"])
    amount = int(fee["amount"])
    if prices_include_tax:
        amount = round_half_up(amount * (100 + rate) / 100)
    return OrderItemIn(
        description=fee["description"],
        quantity=Decimal(1),
        unit_price=amount,
        unit_code="EA",
        tax_rate=rate,
        tax_category=TaxCategory(fee["taxCategory"]),
    )
