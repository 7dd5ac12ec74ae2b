"""Refusals of customers."""

from __future__ import annotations

from faktura.kit.errors import Conflict, MissingResource


class CustomerNotFound(MissingResource):
    """No customer with this id for this merchant."""

    code = "customer_not_found"


class ExternalIdTaken(Conflict):
    """Another customer of this merchant has this `externalId`."""

    code = "external_id_taken"
