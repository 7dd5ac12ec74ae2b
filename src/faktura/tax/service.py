"""VAT rules of a merchant. Never commits."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit import clock
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.kit.repository import require_owned
from faktura.merchants import service as merchants
from faktura.models import TaxRule
from faktura.parties.validation import normalize_country
from faktura.tax import repository
from faktura.tax.errors import TaxRuleNotFound
from faktura.tax.schemas import TaxRuleCreate, TaxRuleUpdate
from faktura.totals.calculator import TaxCategory, validate_rate


async def create(session: AsyncSession, merchant_id: str, data: TaxRuleCreate) -> TaxRule:
    validate_rate(data.category, data.rate, "rate")
    _require_exemption_reason(data.category, data.exemption_reason)
    if data.country:
        country = normalize_country(data.country, field="country")
    else:
        merchant = await merchants.find(session, merchant_id)
        country = merchant.country if merchant else "NO"
    rule = TaxRule(
        id=new_id("txr"),
        merchant_id=merchant_id,
        name=data.name,
        rate=data.rate,
        category=data.category.value,
        country=country,
        exemption_reason=data.exemption_reason,
        archived=False,
    )
    session.add(rule)
    await session.flush()
    return rule


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    country: str | None = None,
    active: bool | None = None,
) -> tuple[list[TaxRule], str | None]:
    """The merchant's VAT rules, newest first, by country and active flag."""
    rows, cursor = await repository.page(session, merchant_id, params, country=country, active=active)
    return rows, cursor


async def get(session: AsyncSession, merchant_id: str, rule_id: str) -> TaxRule:
    return await require_owned(session, TaxRule, merchant_id, rule_id, TaxRuleNotFound)


async def update(session: AsyncSession, merchant_id: str, rule_id: str, data: TaxRuleUpdate) -> TaxRule:
    rule = await get(session, merchant_id, rule_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise ValidationFailed.field("name", "required", "A tax rule needs a name.")
    if "exemption_reason" in changes:
        _require_exemption_reason(TaxCategory(rule.category), changes["exemption_reason"])
        rule.exemption_reason = changes["exemption_reason"]
    if changes.get("name"):
        rule.name = changes["name"]
    rule.updated_at = clock.now()
    await session.flush()
    return rule


async def archive(session: AsyncSession, merchant_id: str, rule_id: str) -> None:
    rule = await get(session, merchant_id, rule_id)
    rule.archived = True
    await session.flush()


def _require_exemption_reason(category: TaxCategory, reason: str | None) -> None:
    # EN 16931 BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10: the invoice must say why no VAT is charged.
    if category not in (TaxCategory.STANDARD, TaxCategory.ZERO) and not reason:
        raise ValidationFailed.field(
            "exemptionReason", "required", f"Category {category.value} needs an exemption reason."
        )


async def rules_by_ids(
    session: AsyncSession, merchant_id: str, rule_ids: Iterable[str]
) -> dict[str, TaxRule]:
    """Rule id -> the merchant's rule, for those of `rule_ids` it has (archived ones too)."""
    return await repository.by_ids(session, merchant_id, rule_ids)


async def default_rule(session: AsyncSession, merchant_id: str) -> TaxRule | None:
    """The rule a line takes when its caller names no VAT: the merchant's standard rate (its country's
    active rule of category S with the highest rate; 25 % for a Norwegian merchant as shipped), else its
    country's first active rule (the zero-rated one where no standard rate ships); None without any."""
    merchant = await merchants.require(session, merchant_id)
    rules = await repository.active_rules(session, merchant_id, merchant.country)
    standard = [rule for rule in rules if rule.category == TaxCategory.STANDARD.value]
    if standard:
        return max(standard, key=lambda rule: rule.rate)
    return rules[0] if rules else None
