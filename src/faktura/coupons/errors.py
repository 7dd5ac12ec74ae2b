"""Refusals of coupons."""

from __future__ import annotations

from faktura.kit.errors import Conflict, MissingResource


class CouponNotFound(MissingResource):
    """No coupon with this id for this merchant."""

    code = "coupon_not_found"


class CouponCodeTaken(Conflict):
    """Another coupon of this merchant has this code."""

    code = "coupon_code_taken"
