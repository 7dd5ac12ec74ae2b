"""All tables, imported together so the metadata is complete."""

from faktura.models.api_key import ApiKey, RefreshToken
from faktura.models.base import Base
from faktura.models.catalog import BillingCycle, Coupon, MerchantCurrency, Price, Product, TaxRule
from faktura.models.customer import Customer
from faktura.models.idempotency_key import IdempotencyKey
from faktura.models.merchant import Merchant
from faktura.models.order import Order, OrderItem

__all__ = [
    "ApiKey",
    "Base",
    "BillingCycle",
    "Coupon",
    "Customer",
    "IdempotencyKey",
    "Merchant",
    "MerchantCurrency",
    "Order",
    "OrderItem",
    "Price",
    "Product",
    "RefreshToken",
    "TaxRule",
]
