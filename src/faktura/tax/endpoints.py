from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.tax import service
from faktura.tax.errors import TaxRuleNotFound
from faktura.tax.schemas import TaxRuleCreate, TaxRuleOut, TaxRuleUpdate

router = api_router("/api/v1/TaxRules", "TaxRules")
Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("", status_code=201, response_model=TaxRuleOut)
async def create_tax_rule(body: TaxRuleCreate, auth: Auth, session: Session) -> TaxRuleOut:
    """Create a VAT rule (rate and UNCL 5305 category).

    A rate in percent with its UNCL 5305 category (S, Z, E, AE, K, G, O) and country; exempt categories
    need an exemption reason. Norwegian rates 25, 15, 12 and 0 exist for every merchant.
    """
    return TaxRuleOut.of(await service.create(session, auth.merchant_id, body))


@router.get("", response_model=Page[TaxRuleOut])
async def list_tax_rules(
    auth: Auth,
    session: Session,
    paging: Paging,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    active: Annotated[bool | None, Query()] = None,
) -> Page[TaxRuleOut]:
    """List VAT rules, newest first.

    Filter by country or by the active flag; pages follow `nextCursor`.
    """
    rows, cursor = await service.page(session, auth.merchant_id, paging, country=country, active=active)
    return Page(data=[TaxRuleOut.of(r) for r in rows], next_cursor=cursor)


@router.get("/{rule_id}", response_model=TaxRuleOut, responses=errors(TaxRuleNotFound))
async def get_tax_rule(rule_id: str, auth: Auth, session: Session) -> TaxRuleOut:
    """Get a VAT rule.

    Archived rules stay readable: orders and invoices refer to them.
    """
    return TaxRuleOut.of(await service.get(session, auth.merchant_id, rule_id))


@router.patch("/{rule_id}", response_model=TaxRuleOut, responses=errors(TaxRuleNotFound))
async def update_tax_rule(rule_id: str, body: TaxRuleUpdate, auth: Auth, session: Session) -> TaxRuleOut:
    """Rename a VAT rule or change its exemption reason.

    The rate and category never change, since documents computed with them must stay explainable; make a
    new rule instead.
    """
    return TaxRuleOut.of(await service.update(session, auth.merchant_id, rule_id, body))


@router.delete("/{rule_id}", status_code=204, responses=errors(TaxRuleNotFound))
async def archive_tax_rule(rule_id: str, auth: Auth, session: Session) -> Response:
    """Archive a VAT rule: existing orders keep their rates, new ones cannot use it.

    Existing orders and invoices keep their rates; new ones cannot use the rule.
    """
    await service.archive(session, auth.merchant_id, rule_id)
    return Response(status_code=204)
