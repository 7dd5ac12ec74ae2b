"""The Rehive dialect's own refusals: what Rehive's invoice allows that a translation cannot do."""

from __future__ import annotations

from faktura.kit.errors import Conflict, MissingResource


class BusinessNotFound(MissingResource):
    """The business in the path is not the one the key belongs to."""

    code = "business_not_found"


class InvoiceStatusNotSettable(Conflict):
    """The invoice's status cannot be set to the one sent from the status it has."""

    code = "invoice_status_not_settable"
