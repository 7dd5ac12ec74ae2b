"""Refusals of the catalogue: currencies, billing cycles, products."""

from __future__ import annotations

from faktura.kit.errors import Conflict, MissingResource


class CurrencyNotFound(MissingResource):
    """No ISO 4217 currency with this code."""

    code = "currency_not_found"


class DefaultCurrencyStays(Conflict):
    """The merchant's default currency cannot be turned off."""

    code = "default_currency"


class BillingCycleNotFound(MissingResource):
    """No billing cycle with this id for this merchant."""

    code = "billing_cycle_not_found"


class ProductNotFound(MissingResource):
    """No product with this id for this merchant."""

    code = "product_not_found"
