"""Refusals of the merchant's profile."""

from __future__ import annotations

from faktura.kit.errors import Conflict, MissingResource


class MerchantNotFound(MissingResource):
    """The merchant the token names no longer exists."""

    code = "merchant_not_found"


class InvalidInvoiceSettings(Conflict):
    """A stored invoice setting of the merchant is not usable; fix it with `PATCH /api/v1/Merchant`."""

    code = "invalid_invoice_settings"
