"""Creating a merchant with what it needs to bill on day one: its currency, VAT rules and a key."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import get_territory_currencies
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.service import create_api_key
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id, new_secret
from faktura.merchants import repository
from faktura.merchants.errors import MerchantNotFound
from faktura.models import Merchant, MerchantCurrency, TaxRule
from faktura.parties.validation import normalize_country, validate_organization_number

# (name, rate, category). Norway's rates ship as the documented default; the neighbours get theirs.
DEFAULT_TAX_RULES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "NO": (
        ("MVA 25%", "25", "S"),
        ("MVA 15% (food)", "15", "S"),
        ("MVA 12% (transport, hotel, culture)", "12", "S"),
        ("MVA 0% (zero-rated)", "0", "Z"),
    ),
    "DK": (("Moms 25%", "25", "S"), ("Moms 0% (zero-rated)", "0", "Z")),
    "SE": (
        ("Moms 25%", "25", "S"),
        ("Moms 12%", "12", "S"),
        ("Moms 6%", "6", "S"),
        ("Moms 0% (zero-rated)", "0", "Z"),
    ),
}
FALLBACK_TAX_RULES = (("VAT 0% (zero-rated)", "0", "Z"),)


@dataclass(frozen=True, slots=True)
class NewMerchant:
    merchant: Merchant
    api_key: str


def default_currency(country: str) -> str:
    currencies = get_territory_currencies(country, tender=True, non_tender=False)
    if not currencies:
        raise ValidationFailed.field("country", "invalid_country", f"No currency is known for '{country}'.")
    return str(currencies[0])


async def create_merchant(
    session: AsyncSession, *, name: str, country: str = "NO", organization_number: str | None = None
) -> NewMerchant:
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", "required", "A merchant needs a name.")
    country = normalize_country(country, field="country")
    if organization_number:
        organization_number = validate_organization_number(organization_number, country)
    currency = default_currency(country)
    merchant = Merchant(
        id=new_id("mer"),
        name=name,
        country=country,
        default_currency=currency,
        organization_number=organization_number,
        invoice_settings={},
    )
    session.add(merchant)
    await session.flush()
    session.add(MerchantCurrency(merchant_id=merchant.id, code=currency))
    for rule_name, rate, category in DEFAULT_TAX_RULES.get(country, FALLBACK_TAX_RULES):
        session.add(
            TaxRule(
                id=new_id("txr"),
                merchant_id=merchant.id,
                name=rule_name,
                rate=Decimal(rate),
                category=category,
                country=country,
            )
        )
    _, secret = await create_api_key(session, merchant.id)
    return NewMerchant(merchant=merchant, api_key=secret)


async def find(session: AsyncSession, merchant_id: str) -> Merchant | None:
    """The merchant, or None; for callers with a fallback (a merchant's default country, say)."""
    return await repository.get(session, merchant_id)


async def require(session: AsyncSession, merchant_id: str) -> Merchant:
    """The merchant, or `MerchantNotFound`."""
    merchant = await repository.get(session, merchant_id)
    if merchant is None:
        raise MerchantNotFound(merchant_id)
    return merchant


async def every(session: AsyncSession) -> list[Merchant]:
    """Every merchant, for the operator's commands."""
    return await repository.every(session)


async def count(session: AsyncSession) -> int:
    return await repository.count(session)


async def oldest_named(session: AsyncSession, name: str) -> Merchant | None:
    return await repository.oldest_named(session, name)


CALLBACK_SECRET_PREFIX = "fpcs"


async def callback_secret(session: AsyncSession, merchant_id: str) -> str:
    """The merchant's Front Payment callback secret, made the first time it is asked for (with the
    merchant's first Front Payment key) and the same ever after; `MerchantNotFound` for no merchant."""
    found = await repository.set_callback_secret(session, merchant_id, new_secret(CALLBACK_SECRET_PREFIX))
    if found is None:
        raise MerchantNotFound(merchant_id)
    return found
