"""All tables, imported together so the metadata is complete."""

from faktura.models.api_key import ApiKey, RefreshToken
from faktura.models.base import Base
from faktura.models.catalog import BillingCycle, Coupon, MerchantCurrency, Price, Product, TaxRule
from faktura.models.customer import Customer
from faktura.models.idempotency_key import IdempotencyKey
from faktura.models.invoice import (
    CreditNote,
    CreditNoteItem,
    CustomerCredit,
    Invoice,
    InvoiceDelivery,
    InvoiceItem,
    NumberSeries,
)
from faktura.models.ledger import JournalEntry, JournalLine
from faktura.models.merchant import Merchant
from faktura.models.order import Order, OrderItem
from faktura.models.payment import (
    GatewayEvent,
    Payment,
    PaymentApplication,
    PaymentIntent,
    PaymentLink,
    Refund,
)

__all__ = [
    "ApiKey",
    "Base",
    "BillingCycle",
    "Coupon",
    "CreditNote",
    "CreditNoteItem",
    "Customer",
    "CustomerCredit",
    "GatewayEvent",
    "IdempotencyKey",
    "Invoice",
    "InvoiceDelivery",
    "InvoiceItem",
    "JournalEntry",
    "JournalLine",
    "Merchant",
    "MerchantCurrency",
    "NumberSeries",
    "Order",
    "OrderItem",
    "Payment",
    "PaymentApplication",
    "PaymentIntent",
    "PaymentLink",
    "Price",
    "Product",
    "RefreshToken",
    "Refund",
    "TaxRule",
]
