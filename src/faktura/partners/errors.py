"""Why a partner's request or command is refused."""

from __future__ import annotations

from faktura.kit.errors import MissingResource, Unauthorized


class InvalidPartnerKey(Unauthorized):
    """The partner id and key do not match a partner's current key (unknown, wrong or expired)."""

    code = "invalid_partner_key"


class PartnerNotFound(MissingResource):
    """No partner with this id."""

    code = "partner_not_found"
