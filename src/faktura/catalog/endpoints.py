from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.catalog import service
from faktura.catalog.errors import (
    BillingCycleNotFound,
    CurrencyNotFound,
    DefaultCurrencyStays,
    ProductNotFound,
)
from faktura.catalog.schemas import (
    BillingCycleCreate,
    BillingCycleOut,
    BillingCycleUpdate,
    CurrencyAcceptance,
    CurrencyOut,
    PriceCreate,
    ProductCreate,
    ProductOut,
    ProductUpdate,
)
from faktura.kit.currencies import all_currencies
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session

currencies = api_router("/api/v1/Currencies", "Currencies")
billing_cycles = api_router("/api/v1/BillingCycles", "BillingCycles")
products = api_router("/api/v1/Products", "Products")
routers = [currencies, billing_cycles, products]

Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]
ActiveFilter = Annotated[bool | None, Query(description="Only active (true) or archived (false) ones")]


@currencies.get("", response_model=Page[CurrencyOut])
async def list_currencies(
    auth: Auth, session: Session, accepted: Annotated[bool | None, Query()] = None
) -> Page[CurrencyOut]:
    """List ISO 4217 currencies with their minor-unit exponent.

    Every known currency, with `accepted` marking those the merchant takes for new orders and products;
    `accepted=true` or `false` lists only those. Amounts in a currency are integers of its minor unit
    (`exponent` decimals).
    """
    mine = await service.accepted_currencies(session, auth.merchant_id)
    rows = [CurrencyOut.of(c, c.code in mine) for c in all_currencies()]
    return Page(data=[c for c in rows if accepted is None or c.accepted is accepted])


@currencies.get("/{code}", response_model=CurrencyOut, responses=errors(CurrencyNotFound))
async def get_currency_by_code(code: str, auth: Auth, session: Session) -> CurrencyOut:
    """Get one currency by its ISO 4217 code.

    The code is case-insensitive; an unknown code is `currency_not_found`.
    """
    info = service.currency(code)
    return CurrencyOut.of(info, await service.is_accepted(session, auth.merchant_id, info.code))


@currencies.put(
    "/{code}", response_model=CurrencyOut, responses=errors(CurrencyNotFound, DefaultCurrencyStays)
)
async def set_currency_acceptance(
    code: str, body: CurrencyAcceptance, auth: Auth, session: Session
) -> CurrencyOut:
    """Accept or stop accepting a currency for new orders.

    Orders, products and invoices may only use accepted currencies. The merchant's default currency
    always stays accepted (`default_currency`).
    """
    info = await service.set_currency_accepted(session, auth.merchant_id, code, body.accepted)
    return CurrencyOut.of(info, body.accepted)


@billing_cycles.post("", status_code=201, response_model=BillingCycleOut)
async def create_billing_cycle(body: BillingCycleCreate, auth: Auth, session: Session) -> BillingCycleOut:
    """Create a billing cycle (interval x count).

    A cycle such as "every 3 months" is an interval unit (day, week, month, year) and a count; month
    arithmetic clamps to the month's end.
    """
    return BillingCycleOut.of(await service.create_billing_cycle(session, auth.merchant_id, body))


@billing_cycles.get("", response_model=Page[BillingCycleOut])
async def list_billing_cycles(
    auth: Auth, session: Session, paging: Paging, active: ActiveFilter = None
) -> Page[BillingCycleOut]:
    """List billing cycles, newest first.

    `active=false` lists the archived ones; pages follow `nextCursor`.
    """
    rows, cursor = await service.billing_cycles_page(session, auth.merchant_id, paging, active)
    return Page(data=[BillingCycleOut.of(c) for c in rows], next_cursor=cursor)


@billing_cycles.get("/{cycle_id}", response_model=BillingCycleOut, responses=errors(BillingCycleNotFound))
async def get_billing_cycle(cycle_id: str, auth: Auth, session: Session) -> BillingCycleOut:
    """Get a billing cycle.

    Archived cycles stay readable, since orders refer to them.
    """
    return BillingCycleOut.of(await service.get_billing_cycle(session, auth.merchant_id, cycle_id))


@billing_cycles.patch("/{cycle_id}", response_model=BillingCycleOut, responses=errors(BillingCycleNotFound))
async def rename_billing_cycle(
    cycle_id: str, body: BillingCycleUpdate, auth: Auth, session: Session
) -> BillingCycleOut:
    """Rename a billing cycle.

    Only the name changes: the interval of a cycle that orders use never does; make a new cycle instead.
    """
    return BillingCycleOut.of(await service.rename_billing_cycle(session, auth.merchant_id, cycle_id, body))


@billing_cycles.delete("/{cycle_id}", status_code=204, responses=errors(BillingCycleNotFound))
async def archive_billing_cycle(cycle_id: str, auth: Auth, session: Session) -> Response:
    """Archive a billing cycle.

    Existing orders keep it; new ones cannot use it. Nothing is deleted.
    """
    await service.archive_billing_cycle(session, auth.merchant_id, cycle_id)
    return Response(status_code=204)


@products.post("", status_code=201, response_model=ProductOut)
async def create_product(body: ProductCreate, auth: Auth, session: Session) -> ProductOut:
    """Create a product with its first price.

    The price is in an accepted currency, VAT-exclusive unless `pricesIncludeTax`; the product's tax
    rule (optional) must be an active one of the merchant.
    """
    return ProductOut.of(*await service.create_product(session, auth.merchant_id, body))


@products.get("", response_model=Page[ProductOut])
async def list_products(
    auth: Auth, session: Session, paging: Paging, active: ActiveFilter = None
) -> Page[ProductOut]:
    """List products, newest first.

    Each with its active prices; `active` filters active or archived products.
    """
    rows, cursor = await service.products_page(session, auth.merchant_id, paging, active)
    return Page(data=[ProductOut.of(product, prices) for product, prices in rows], next_cursor=cursor)


@products.get("/{product_id}", response_model=ProductOut, responses=errors(ProductNotFound))
async def get_product(product_id: str, auth: Auth, session: Session) -> ProductOut:
    """Get a product with its active prices.

    Retired prices are not shown; orders that used them keep their own copy of the figures.
    """
    return ProductOut.of(*await service.get_product(session, auth.merchant_id, product_id))


@products.patch("/{product_id}", response_model=ProductOut, responses=errors(ProductNotFound))
async def update_product(product_id: str, body: ProductUpdate, auth: Auth, session: Session) -> ProductOut:
    """Change a product.

    Fields sent replace the stored ones. Prices are immutable: a new `unitPrice` becomes a new price and
    retires the old one in that currency.
    """
    return ProductOut.of(*await service.update_product(session, auth.merchant_id, product_id, body))


@products.post(
    "/{product_id}/Prices", status_code=201, response_model=ProductOut, responses=errors(ProductNotFound)
)
async def add_price(product_id: str, body: PriceCreate, auth: Auth, session: Session) -> ProductOut:
    """Give the product a price in a currency.

    The new price replaces the product's active price in that currency, which is retired, not edited.
    """
    return ProductOut.of(*await service.add_price(session, auth.merchant_id, product_id, body))


@products.delete("/{product_id}", status_code=204, responses=errors(ProductNotFound))
async def archive_product(product_id: str, auth: Auth, session: Session) -> Response:
    """Archive a product.

    It stays on existing orders and invoices; new orders cannot use it.
    """
    await service.archive_product(session, auth.merchant_id, product_id)
    return Response(status_code=204)
