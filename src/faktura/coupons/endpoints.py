from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.coupons import service
from faktura.coupons.schemas import (
    CouponCreate,
    CouponOut,
    CouponUpdate,
    CouponValidateRequest,
    CouponValidation,
)
from faktura.kit.http import error_responses
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session

router = api_router("/api/v1/Coupons", "Coupons")
Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("", status_code=201, response_model=CouponOut, responses=error_responses(409))
async def create_coupon(body: CouponCreate, auth: Auth, session: Session) -> CouponOut:
    """Create a coupon (percent or amount off; once, repeating or forever)."""
    return CouponOut.of(*await service.create(session, auth.merchant_id, body))


@router.post("/validate", response_model=CouponValidation)
async def validate_coupon(body: CouponValidateRequest, auth: Auth, session: Session) -> CouponValidation:
    """Say whether a code can be used now, for a currency and products; `reason` says why not."""
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
    """List coupons, newest first."""
    rows, cursor = await service.page(session, auth.merchant_id, paging, active)
    return Page(data=[CouponOut.of(*c) for c in rows], next_cursor=cursor)


@router.get("/{coupon_id}", response_model=CouponOut, responses=error_responses(404))
async def get_coupon(coupon_id: str, auth: Auth, session: Session) -> CouponOut:
    """Get a coupon."""
    return CouponOut.of(*await service.get(session, auth.merchant_id, coupon_id))


@router.patch("/{coupon_id}", response_model=CouponOut, responses=error_responses(404))
async def update_coupon(coupon_id: str, body: CouponUpdate, auth: Auth, session: Session) -> CouponOut:
    """Change a coupon's name, limit, expiry or active flag; its discount never changes."""
    return CouponOut.of(*await service.update(session, auth.merchant_id, coupon_id, body))


@router.delete("/{coupon_id}", status_code=204, responses=error_responses(404))
async def deactivate_coupon(coupon_id: str, auth: Auth, session: Session) -> Response:
    """Deactivate a coupon; orders that used it keep their discount."""
    await service.deactivate(session, auth.merchant_id, coupon_id)
    return Response(status_code=204)
