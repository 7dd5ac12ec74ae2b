"""All tables, imported together so the metadata is complete."""

from faktura.models.api_key import ApiKey, RefreshToken, TokenFailures
from faktura.models.base import Base
from faktura.models.catalog import BillingCycle, Coupon, MerchantCurrency, Price, Product, TaxRule
from faktura.models.customer import Customer
from faktura.models.document_handoff import DocumentHandoff
from faktura.models.event import Event
from faktura.models.idempotency_key import IdempotencyKey
from faktura.models.invoice import (
    CreditNote,
    CreditNoteItem,
    CustomerCredit,
    DocumentFile,
    Invoice,
    InvoiceDelivery,
    InvoiceDeliveryAttempt,
    InvoiceItem,
    InvoiceOrder,
    NumberSeries,
)
from faktura.models.job import Job, JobSchedule
from faktura.models.ledger import JournalEntry, JournalLine
from faktura.models.merchant import Merchant
from faktura.models.order import Order, OrderItem
from faktura.models.partner import Partner, PartnerKey, PartnerMerchant
from faktura.models.payment import (
    GatewayEvent,
    Payment,
    PaymentApplication,
    PaymentIntent,
    PaymentLink,
    PaymentMethod,
    Refund,
)
from faktura.models.subscription import Subscription, SubscriptionBilling, SubscriptionItem, TestClock
from faktura.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "Base",
    "BillingCycle",
    "Coupon",
    "CreditNote",
    "CreditNoteItem",
    "Customer",
    "CustomerCredit",
    "DocumentFile",
    "DocumentHandoff",
    "Event",
    "GatewayEvent",
    "IdempotencyKey",
    "Invoice",
    "InvoiceDelivery",
    "InvoiceDeliveryAttempt",
    "InvoiceItem",
    "InvoiceOrder",
    "Job",
    "JobSchedule",
    "JournalEntry",
    "JournalLine",
    "Merchant",
    "MerchantCurrency",
    "NumberSeries",
    "Order",
    "OrderItem",
    "Partner",
    "PartnerKey",
    "PartnerMerchant",
    "Payment",
    "PaymentApplication",
    "PaymentIntent",
    "PaymentLink",
    "PaymentMethod",
    "Price",
    "Product",
    "RefreshToken",
    "Refund",
    "Subscription",
    "SubscriptionBilling",
    "SubscriptionItem",
    "TaxRule",
    "TestClock",
    "TokenFailures",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
