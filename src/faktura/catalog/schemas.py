from __future__ import annotations

from datetime import datetime

from pydantic import Field

from faktura.kit.currencies import CurrencyInfo, currency_symbol
from faktura.kit.periods import Interval
from faktura.kit.schemas import RequestSchema, Schema
from faktura.kit.text import TextBlock, TextLine
from faktura.models import BillingCycle, Price, Product

UNIT_CODE = r"^[A-Z0-9]{1,3}$"
CURRENCY_CODE = r"^[A-Za-z]{3}$"
AMOUNT_LIMIT = 10**15
Amount = Field(ge=0, le=AMOUNT_LIMIT, description="Minor units of the currency")


class CurrencyOut(Schema):
    code: str
    name: str
    numeric_code: str
    exponent: int = Field(description="Decimals of the minor unit: 0 (JPY), 2 (NOK), 3 (BHD)")
    symbol: str
    accepted: bool

    @classmethod
    def of(cls, info: CurrencyInfo, accepted: bool) -> CurrencyOut:
        return cls(
            code=info.code,
            name=info.name,
            numeric_code=info.numeric,
            exponent=info.exponent,
            symbol=currency_symbol(info.code),
            accepted=accepted,
        )


class CurrencyAcceptance(RequestSchema):
    accepted: bool


class BillingCycleCreate(RequestSchema):
    name: TextLine = Field(min_length=1, max_length=100)
    interval: Interval
    interval_count: int = Field(1, ge=1, le=365)


class BillingCycleUpdate(RequestSchema):
    name: TextLine = Field(min_length=1, max_length=100)


class BillingCycleOut(Schema):
    id: str
    name: str
    interval: Interval
    interval_count: int
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, c: BillingCycle) -> BillingCycleOut:
        return cls(
            id=c.id,
            name=c.name,
            interval=Interval(c.interval),
            interval_count=c.interval_count,
            active=not c.archived,
            created_at=c.created_at,
        )


class ProductCreate(RequestSchema):
    name: TextLine = Field(min_length=1, max_length=200)
    description: TextBlock | None = Field(None, max_length=1000)
    unit_price: int = Amount
    currency: str = Field(pattern=CURRENCY_CODE)
    unit_code: str = Field("EA", pattern=UNIT_CODE, description="UN/ECE Recommendation 20 unit code")
    tax_rule_id: str | None = Field(None, max_length=40)
    prices_include_tax: bool = False


class ProductUpdate(RequestSchema):
    """PATCH. Sending `unitPrice` makes a new price (in `currency`, default the product's); old ones stay."""

    name: TextLine | None = Field(None, min_length=1, max_length=200)
    description: TextBlock | None = Field(None, max_length=1000)
    unit_code: str | None = Field(None, pattern=UNIT_CODE)
    tax_rule_id: str | None = Field(None, max_length=40)
    unit_price: int | None = Field(None, ge=0, le=AMOUNT_LIMIT, description="Minor units of the currency")
    currency: str | None = Field(None, pattern=CURRENCY_CODE)
    prices_include_tax: bool | None = None
    active: bool | None = None


class PriceCreate(RequestSchema):
    unit_price: int = Amount
    currency: str = Field(pattern=CURRENCY_CODE)
    prices_include_tax: bool = False


class PriceOut(Schema):
    id: str
    currency: str
    unit_price: int
    prices_include_tax: bool
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, p: Price) -> PriceOut:
        return cls(
            id=p.id,
            currency=p.currency,
            unit_price=p.unit_amount,
            prices_include_tax=p.tax_inclusive,
            active=p.active,
            created_at=p.created_at,
        )


class ProductOut(Schema):
    id: str
    name: str
    description: str | None
    unit_code: str
    tax_rule_id: str | None
    currency: str
    unit_price: int | None = Field(description="The active price in `currency`")
    price_id: str | None
    prices_include_tax: bool
    prices: list[PriceOut] = Field(description="Active prices, one per currency")
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, p: Product, prices: list[Price]) -> ProductOut:
        main = next((x for x in prices if x.currency == p.currency), None)
        return cls(
            id=p.id,
            name=p.name,
            description=p.description,
            unit_code=p.unit_code,
            tax_rule_id=p.tax_rule_id,
            currency=p.currency,
            unit_price=main.unit_amount if main else None,
            price_id=main.id if main else None,
            prices_include_tax=main.tax_inclusive if main else False,
            prices=[PriceOut.of(x) for x in prices],
            active=p.active,
            created_at=p.created_at,
        )
