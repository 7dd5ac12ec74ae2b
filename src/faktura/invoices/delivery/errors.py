"""Refusals of invoice deliveries."""

from __future__ import annotations

from faktura.kit.errors import InvalidTransition


class InvalidInvoiceDeliveryTransition(InvalidTransition):
    """The invoice delivery's status does not allow this move."""

    code = "invalid_invoice_delivery_transition"
