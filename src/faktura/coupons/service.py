"""Coupons: validated on the server, redemptions counted atomically. Never commits.

A draft order reserves a redemption when it is created with a coupon; cancelling or expiring the order
(or changing its coupon) gives the redemption back.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.coupons import repository
from faktura.coupons.errors import CouponCodeTaken, CouponNotFound
from faktura.coupons.schemas import CouponCreate, CouponUpdate, Duration
from faktura.kit import clock
from faktura.kit.currencies import get_currency
from faktura.kit.errors import FieldError, ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.kit.repository import require_owned
from faktura.kit.validation import Collector
from faktura.models import Coupon

CouponView = tuple[Coupon, int]
"""A coupon and how many live orders hold it."""


class CouponRejected(ValidationFailed):
    """A coupon that cannot be used now; `instance_code` says why."""

    def __init__(self, reason: str, message: str, field: str = "couponCode") -> None:
        super().__init__(message, details=[FieldError(field, reason, message)])
        self.reason = reason


async def create(session: AsyncSession, merchant_id: str, data: CouponCreate) -> CouponView:
    errors = Collector()
    if (data.percent_off is None) == (data.amount_off is None):
        errors.add("percentOff", "invalid_coupon", "Give exactly one of percentOff and amountOff.")
    currency = None
    if data.amount_off is not None:
        if data.currency is None:
            errors.add("currency", "required", "An amountOff coupon needs its currency.")
        else:
            currency = errors.check(lambda: get_currency(data.currency or "", field="currency").code)
    elif data.currency is not None:
        errors.add("currency", "not_allowed", "Only amountOff coupons have a currency.")
    if data.duration is Duration.REPEATING and data.duration_in_cycles is None:
        errors.add("durationInCycles", "required", "A repeating coupon needs durationInCycles.")
    if data.duration is not Duration.REPEATING and data.duration_in_cycles is not None:
        errors.add("durationInCycles", "not_allowed", "Only repeating coupons have durationInCycles.")
    if data.redeem_by is not None and data.redeem_by <= clock.now():
        errors.add("redeemBy", "in_past", "redeemBy must be in the future.")
    missing = set(data.product_ids) - await repository.existing_product_ids(
        session, merchant_id, data.product_ids
    )
    for product_id in sorted(missing):
        errors.add("productIds", "product_not_found", f"No product '{product_id}'.")
    errors.raise_if_any()
    if await repository.by_code(session, merchant_id, data.code) is not None:
        raise CouponCodeTaken(f"A coupon with code '{data.code.upper()}' exists.")
    coupon = Coupon(
        id=new_id("cpn"),
        merchant_id=merchant_id,
        code=data.code.upper(),
        name=data.name,
        percent_off=data.percent_off,
        amount_off=data.amount_off,
        currency=currency,
        duration=data.duration.value,
        duration_in_cycles=data.duration_in_cycles,
        max_redemptions=data.max_redemptions,
        redeem_by=data.redeem_by if data.redeem_by else None,
        product_ids=sorted(set(data.product_ids)),
        active=True,
    )
    session.add(coupon)
    await session.flush()
    return coupon, 0


async def get(session: AsyncSession, merchant_id: str, coupon_id: str) -> CouponView:
    coupon = await require_owned(session, Coupon, merchant_id, coupon_id, CouponNotFound)
    return coupon, await redemptions(session, coupon)


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, active: bool | None
) -> tuple[list[CouponView], str | None]:
    rows, cursor = await repository.page(session, merchant_id, params, active)
    counts = await repository.redemptions(session, [c.id for c in rows])
    return [(c, counts[c.id]) for c in rows], cursor


async def redemptions(session: AsyncSession, coupon: Coupon) -> int:
    return (await repository.redemptions(session, [coupon.id]))[coupon.id]


async def update(session: AsyncSession, merchant_id: str, coupon_id: str, data: CouponUpdate) -> CouponView:
    coupon, redeemed = await get(session, merchant_id, coupon_id)
    changes = data.model_dump(exclude_unset=True)
    errors = Collector()
    limit = changes.get("max_redemptions")
    if limit is not None and limit < redeemed:
        errors.add("maxRedemptions", "below_redemptions", f"Already redeemed {redeemed} times.")
    redeem_by = changes.get("redeem_by")
    if redeem_by is not None and redeem_by <= clock.now():
        errors.add("redeemBy", "in_past", "redeemBy must be in the future.")
    if "active" in changes and changes["active"] is None:
        errors.add("active", "required", "Send true or false; use DELETE to deactivate.")
    errors.raise_if_any()
    if "max_redemptions" in changes:
        coupon.max_redemptions = limit
    if "redeem_by" in changes:
        coupon.redeem_by = redeem_by if redeem_by else None
    if "name" in changes:
        coupon.name = changes["name"]
    if "active" in changes:
        coupon.active = changes["active"]
    coupon.updated_at = clock.now()
    await session.flush()
    return coupon, redeemed


async def deactivate(session: AsyncSession, merchant_id: str, coupon_id: str) -> None:
    coupon = await require_owned(session, Coupon, merchant_id, coupon_id, CouponNotFound)
    coupon.active = False
    await session.flush()


async def by_code(session: AsyncSession, merchant_id: str, code: str) -> Coupon | None:
    return await repository.by_code(session, merchant_id, code)


async def validate(
    session: AsyncSession,
    merchant_id: str,
    code: str,
    *,
    currency: str | None,
    product_ids: Collection[str] | None,
) -> tuple[CouponView | None, CouponRejected | None]:
    """The coupon with its redemptions (if it exists), and why it cannot be used now (None when it can)."""
    coupon = await repository.by_code(session, merchant_id, code)
    if coupon is None:
        return None, CouponRejected("coupon_not_found", f"No coupon with code '{code}'.")
    redeemed = await redemptions(session, coupon)
    try:
        check_usable(coupon, redeemed, currency=currency, product_ids=product_ids)
    except CouponRejected as rejected:
        return (coupon, redeemed), rejected
    return (coupon, redeemed), None


def check_usable(
    coupon: Coupon, redeemed: int, *, currency: str | None, product_ids: Collection[str] | None
) -> None:
    if not coupon.active:
        raise CouponRejected("coupon_inactive", f"Coupon '{coupon.code}' is no longer active.")
    if coupon.redeem_by is not None and coupon.redeem_by <= clock.now():
        raise CouponRejected("coupon_expired", f"Coupon '{coupon.code}' expired.")
    if coupon.max_redemptions is not None and redeemed >= coupon.max_redemptions:
        raise CouponRejected("coupon_exhausted", f"Coupon '{coupon.code}' has been fully redeemed.")
    if coupon.currency is not None and currency is not None and coupon.currency != currency.upper():
        raise CouponRejected(
            "coupon_currency_mismatch", f"Coupon '{coupon.code}' is for {coupon.currency} only."
        )
    if coupon.product_ids and product_ids is not None and not set(coupon.product_ids) & set(product_ids):
        raise CouponRejected(
            "coupon_not_applicable", f"Coupon '{coupon.code}' applies to none of these products."
        )


async def redemptions_if_limited(session: AsyncSession, coupon: Coupon) -> int:
    """Redemptions, counted only where a limit makes them matter (unlimited coupons cost no query)."""
    return 0 if coupon.max_redemptions is None else await redemptions(session, coupon)


async def redeem(session: AsyncSession, coupon: Coupon) -> None:
    """Confirm, after the order holding the coupon is written, that the limit still holds.

    Unlimited coupons need nothing: the order row is the redemption. A limited coupon's row is locked so
    concurrent orders count one after another, and the count includes the order just written.
    """
    if coupon.max_redemptions is None:
        return
    await repository.lock(session, coupon.id)
    if await redemptions(session, coupon) > coupon.max_redemptions:
        raise CouponRejected("coupon_exhausted", f"Coupon '{coupon.code}' has been fully redeemed.")
