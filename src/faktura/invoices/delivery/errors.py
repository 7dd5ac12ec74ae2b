"""Refusals of invoice deliveries."""

from __future__ import annotations

from faktura.kit.errors import InvalidTransition, ServiceUnavailable


class InvalidInvoiceDeliveryTransition(InvalidTransition):
    """The invoice delivery's status does not allow this move."""

    code = "invalid_invoice_delivery_transition"


class PeppolLookupFailed(ServiceUnavailable):
    """The PEPPOL directory could not say whether the buyer is a participant; try again later."""

    code = "peppol_lookup_failed"
