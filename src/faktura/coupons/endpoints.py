from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.coupons import service
from faktura.coupons.errors import CouponCodeTaken, CouponNotFound
from faktura.coupons.schemas import (
    CouponCreate,
    CouponOut,
    CouponUpdate,
    CouponValidateRequest,
    CouponValidation,
)
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session

router = api_router("/api/v1/Coupons", "Coupons")
Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("", status_code=201, response_model=CouponOut, responses=errors(CouponCodeTaken))
async def create_coupon(body: CouponCreate, auth: Auth, session: Session) -> CouponOut:
    """Create a coupon (percent or amount off; once, repeating or forever).

    Exactly one of `percentOff` and `amountOff` (with its currency). Duration `once`, `repeating` for N
    billing cycles, or `forever`; optional redemption limit and expiry. Codes are unique per merchant,
    case-insensitive.
    """
    return CouponOut.of(*await service.create(session, auth.merchant_id, body))


@router.post("/validate", response_model=CouponValidation)
async def validate_coupon(body: CouponValidateRequest, auth: Auth, session: Session) -> CouponValidation:
    """Say whether a code can be used now, for a currency and products; `reason` says why not.

    Checks expiry, the redemption limit, the currency and the products the coupon applies to, without
    redeeming it.
    """
    coupon, rejected = await service.validate(
        session, auth.merchant_id, body.code, currency=body.currency, product_ids=body.product_ids or None
    )
    return CouponValidation(
        valid=rejected is None,
        reason=rejected.reason if rejected else None,
        message=rejected.message if rejected else None,
        coupon=CouponOut.of(*coupon) if coupon else None,
    )


@router.get("", response_model=Page[CouponOut])
async def list_coupons(
    auth: Auth, session: Session, paging: Paging, active: Annotated[bool | None, Query()] = None
) -> Page[CouponOut]:
    """List coupons, newest first.

    Newest first, with how many live orders hold each coupon.
    """
    rows, cursor = await service.page(session, auth.merchant_id, paging, active)
    return Page(data=[CouponOut.of(*c) for c in rows], next_cursor=cursor)


@router.get("/{coupon_id}", response_model=CouponOut, responses=errors(CouponNotFound))
async def get_coupon(coupon_id: str, auth: Auth, session: Session) -> CouponOut:
    """Get a coupon.

    With its redemption count and how many live orders hold it.
    """
    return CouponOut.of(*await service.get(session, auth.merchant_id, coupon_id))


@router.patch("/{coupon_id}", response_model=CouponOut, responses=errors(CouponNotFound))
async def update_coupon(coupon_id: str, body: CouponUpdate, auth: Auth, session: Session) -> CouponOut:
    """Change a coupon's name, limit, expiry or active flag; its discount never changes.

    The discount itself is fixed once created; make a new coupon for another discount.
    """
    return CouponOut.of(*await service.update(session, auth.merchant_id, coupon_id, body))


@router.delete("/{coupon_id}", status_code=204, responses=errors(CouponNotFound))
async def deactivate_coupon(coupon_id: str, auth: Auth, session: Session) -> Response:
    """Deactivate a coupon; orders that used it keep their discount.

    New orders cannot use it any more; redemptions already made stand.
    """
    await service.deactivate(session, auth.merchant_id, coupon_id)
    return Response(status_code=204)
