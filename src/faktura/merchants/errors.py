"""Refusals of the merchant's profile."""

from __future__ import annotations

from faktura.kit.errors import MissingResource


class MerchantNotFound(MissingResource):
    """The merchant the token names no longer exists."""

    code = "merchant_not_found"
