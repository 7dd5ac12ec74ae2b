from __future__ import annotations

from datetime import datetime

from pydantic import Field

from faktura.kit.schemas import DecimalIn, DecimalStr, RequestSchema, Schema
from faktura.kit.text import TextLine
from faktura.models import TaxRule
from faktura.totals.calculator import TaxCategory


class TaxRuleCreate(RequestSchema):
    name: TextLine = Field(min_length=1, max_length=100)
    rate: DecimalIn = Field(ge=0, lt=100, description='Percent, e.g. "25"')
    category: TaxCategory = Field(TaxCategory.STANDARD, description="UNCL 5305: S, Z, E, AE, K, G or O")
    country: str | None = Field(None, min_length=2, max_length=2, description="Default: the merchant's")
    exemption_reason: TextLine | None = Field(
        None, max_length=300, description="Why VAT is not charged (E, AE, K, G, O)"
    )


class TaxRuleUpdate(RequestSchema):
    """Rate and category never change: orders copy them, and a new rate is a new rule."""

    name: TextLine | None = Field(None, min_length=1, max_length=100)
    exemption_reason: TextLine | None = Field(None, max_length=300)


class TaxRuleOut(Schema):
    id: str
    name: str
    rate: DecimalStr
    category: TaxCategory
    country: str
    exemption_reason: str | None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, r: TaxRule) -> TaxRuleOut:
        return cls(
            id=r.id,
            name=r.name,
            rate=r.rate,
            category=TaxCategory(r.category),
            country=r.country,
            exemption_reason=r.exemption_reason,
            active=not r.archived,
            created_at=r.created_at,
        )
