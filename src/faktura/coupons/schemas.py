from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from faktura.kit.schemas import DecimalIn, DecimalStr, RequestSchema, Schema, UtcDateTime
from faktura.kit.text import TextLine
from faktura.models import Coupon

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$"


class Duration(StrEnum):
    ONCE = "once"
    REPEATING = "repeating"
    FOREVER = "forever"


class CouponCreate(RequestSchema):
    code: str = Field(pattern=CODE_PATTERN, description="Case-insensitive; stored upper case")
    name: TextLine | None = Field(None, max_length=200)
    percent_off: DecimalIn | None = Field(None, gt=0, le=100, decimal_places=4)
    amount_off: int | None = Field(None, gt=0, le=10**15, description="Minor units of `currency`")
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    duration: Duration = Duration.ONCE
    duration_in_cycles: int | None = Field(None, ge=1, le=1200)
    max_redemptions: int | None = Field(None, ge=1, le=2_000_000_000)
    redeem_by: UtcDateTime | None = None
    product_ids: list[str] = Field(default_factory=list, max_length=100, description="Empty: every product")


class CouponUpdate(RequestSchema):
    name: TextLine | None = Field(None, max_length=200)
    max_redemptions: int | None = Field(None, ge=1, le=2_000_000_000)
    redeem_by: UtcDateTime | None = None
    active: bool | None = None


class CouponValidateRequest(RequestSchema):
    code: str = Field(min_length=1, max_length=64)
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    product_ids: list[str] = Field(default_factory=list, max_length=1000)


class CouponOut(Schema):
    id: str
    code: str
    name: str | None
    percent_off: DecimalStr | None
    amount_off: int | None
    currency: str | None
    duration: Duration
    duration_in_cycles: int | None
    max_redemptions: int | None
    times_redeemed: int = Field(
        description="Orders holding the coupon (cancelled and expired ones gave it back)"
    )
    redeem_by: datetime | None
    product_ids: list[str]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, c: Coupon, times_redeemed: int) -> CouponOut:
        return cls(
            id=c.id,
            code=c.code,
            name=c.name,
            percent_off=c.percent_off,
            amount_off=c.amount_off,
            currency=c.currency,
            duration=Duration(c.duration),
            duration_in_cycles=c.duration_in_cycles,
            max_redemptions=c.max_redemptions,
            times_redeemed=times_redeemed,
            redeem_by=c.redeem_by,
            product_ids=list(c.product_ids or []),
            active=c.active,
            created_at=c.created_at,
        )


class CouponValidation(Schema):
    valid: bool
    reason: str | None = Field(description="Why not valid: a stable code such as coupon_expired")
    message: str | None
    coupon: CouponOut | None
