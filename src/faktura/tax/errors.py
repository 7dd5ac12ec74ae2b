"""Refusals of tax rules."""

from __future__ import annotations

from faktura.kit.errors import MissingResource


class TaxRuleNotFound(MissingResource):
    """No tax rule with this id for this merchant."""

    code = "tax_rule_not_found"
