"""The merchant's own profile: who it is on its invoices, where it is paid, how its documents look.

Read and changed by the merchant itself (`/api/v1/Merchant`). Never commits.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic.alias_generators import to_camel
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError
from stdnum.no import kontonr

from faktura.kit import clock
from faktura.kit.currencies import get_currency
from faktura.kit.validation import Collector
from faktura.merchants import repository
from faktura.merchants.errors import MerchantNotFound
from faktura.merchants.schemas import (
    MAX_LOGO_BYTES,
    READ_ONLY_FIELDS,
    InvoiceSettingsIn,
    InvoiceSettingsOut,
    MerchantOut,
    MerchantUpdate,
    SubscriptionSettingsOut,
    fee_out,
)
from faktura.merchants.terms import invoice_terms, retry_days_problem, subscription_terms, time_zone_problem
from faktura.models import Merchant
from faktura.parties.schemas import Address
from faktura.parties.validation import (
    normalize_country,
    normalize_email,
    normalize_phone,
    peppol_participant,
    validate_organization_number,
    validate_vat_number,
)
from faktura.totals.calculator import TaxCategory

_LOGO_TYPES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/svg+xml": (b"<svg", b"<?xml"),
}


async def get(session: AsyncSession, merchant_id: str) -> MerchantOut:
    return view(await _load(session, merchant_id))


async def update(session: AsyncSession, merchant_id: str, data: MerchantUpdate) -> MerchantOut:
    merchant = await _load(session, merchant_id)
    sent = data.model_dump(exclude_unset=True)
    errors = Collector()
    errors.details.extend(data.rejected)
    _check_read_only(errors, view(merchant), data, sent)
    if "name" in sent:
        if not data.name:
            errors.add("name", "required", "A merchant needs a name.")
        else:
            merchant.name = data.name
    if "organization_number" in sent:
        merchant.organization_number = _checked(
            errors, validate_organization_number, data.organization_number, merchant.country
        )
    if "vat_number" in sent:
        merchant.vat_number = _checked(errors, validate_vat_number, data.vat_number, merchant.country)
    if "address" in sent:
        merchant.address = _address(errors, sent["address"])
    if "bank_account" in sent:
        merchant.bank_account = _bank_account(errors, data.bank_account, merchant.country)
    if data.invoice_settings is not None:
        settings = dict(merchant.invoice_settings or {})
        _merge_settings(errors, settings, data.invoice_settings, merchant.country)
        merchant.invoice_settings = settings
    errors.raise_if_any()
    merchant.updated_at = clock.now()
    return view(merchant)


def _check_read_only(
    errors: Collector, stored: MerchantOut, data: MerchantUpdate, sent: dict[str, Any]
) -> None:
    """Clients PATCH back what they GET: a read-only field is fine unchanged, and named when changed."""
    for name in READ_ONLY_FIELDS:
        if name in sent and _same(getattr(data, name), getattr(stored, name)) is False:
            errors.add(
                to_camel(name), "read_only_field", f"{to_camel(name)} is read only; it cannot be changed."
            )


def _same(sent: object, stored: object) -> bool:
    if isinstance(sent, datetime) and isinstance(stored, datetime):
        return clock.as_utc(sent) == clock.as_utc(stored)
    return sent == stored


def view(merchant: Merchant) -> MerchantOut:
    settings = merchant.invoice_settings or {}
    terms = invoice_terms(settings)
    subscriptions = subscription_terms(settings)
    participant = None
    if merchant.organization_number:
        participant = peppol_participant(merchant.country, merchant.organization_number)
    return MerchantOut(
        id=merchant.id,
        name=merchant.name,
        country=merchant.country,
        default_currency=merchant.default_currency,
        organization_number=merchant.organization_number,
        vat_number=merchant.vat_number,
        address=Address(**merchant.address) if merchant.address else None,
        bank_account=merchant.bank_account,
        peppol_participant_id=participant,
        invoice_settings=InvoiceSettingsOut(
            payment_terms_days=terms.payment_terms_days,
            kid_algorithm=terms.kid_algorithm.value,
            kid_length=terms.kid_length,
            business_register=bool(settings.get("businessRegister")),
            iban=settings.get("iban"),
            bic=settings.get("bic"),
            email=settings.get("email"),
            phone=settings.get("phone"),
            logo=settings.get("logo"),
            color=settings.get("color"),
            invoice_fee=fee_out(_mapping(settings.get("invoiceFee"))),
            subscriptions=SubscriptionSettingsOut(
                time_zone=subscriptions.time_zone,
                renewal_grace_minutes=subscriptions.renewal_grace_minutes,
                dunning_retry_days=list(subscriptions.dunning_retry_days),
                dunning_final_status=subscriptions.dunning_final_status,
                upgrade_proration=subscriptions.upgrade_proration,
                downgrade_proration=subscriptions.downgrade_proration,
                upcoming_notice_days=subscriptions.upcoming_notice_days,
            ),
        ),
        created_at=merchant.created_at,
        updated_at=merchant.updated_at,
    )


async def _load(session: AsyncSession, merchant_id: str) -> Merchant:
    merchant = await repository.get(session, merchant_id)
    if merchant is None:
        raise MerchantNotFound(merchant_id)
    return merchant


def _merge_settings(
    errors: Collector, settings: dict[str, Any], data: InvoiceSettingsIn, country: str
) -> None:
    sent = data.model_dump(exclude_unset=True)
    checks: dict[str, Callable[[str], object]] = {
        "iban": lambda v: _standard(errors, "invoiceSettings.iban", stdnum_iban, v, "invalid_iban"),
        "bic": lambda v: _standard(errors, "invoiceSettings.bic", stdnum_bic, v, "invalid_bic"),
        "email": lambda v: errors.check(lambda: normalize_email(v, field="invoiceSettings.email")),
        "phone": lambda v: errors.check(lambda: normalize_phone(v, country, field="invoiceSettings.phone")),
        "logo": lambda v: _logo(errors, v),
        "color": lambda v: v.lower(),
        "kid_algorithm": lambda v: v,
    }
    for name, value in sent.items():
        key = to_camel(name)
        if value is None:
            settings.pop(key, None)
        elif name == "invoice_fee":
            settings[key] = _fee(errors, data)
        elif name == "subscriptions":
            settings[key] = _subscription_settings(errors, settings.get(key) or {}, value)
        elif name in checks:
            settings[key] = checks[name](value)
        else:
            settings[key] = value


def _subscription_settings(errors: Collector, stored: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """Merge `invoiceSettings.subscriptions` field by field; a null goes back to the default."""
    merged = dict(stored)
    for name, value in sent.items():
        key = to_camel(name)
        if value is None:
            merged.pop(key, None)
            continue
        field = f"invoiceSettings.subscriptions.{key}"
        if name == "time_zone" and (problem := time_zone_problem(value)):
            errors.add(field, "invalid_time_zone", problem)
        elif name == "dunning_retry_days" and (problem := retry_days_problem(value)):
            errors.add(field, "invalid_retry_days", problem)
        else:
            merged[key] = value
    return merged


def _fee(errors: Collector, data: InvoiceSettingsIn) -> dict[str, Any] | None:
    fee = data.invoice_fee
    assert fee is not None
    currency = errors.check(lambda: get_currency(fee.currency, field="invoiceSettings.invoiceFee.currency"))
    zero_rated = fee.tax_category is not TaxCategory.STANDARD
    if fee.tax_category not in (TaxCategory.STANDARD, TaxCategory.ZERO):
        errors.add(
            "invoiceSettings.invoiceFee.taxCategory",
            "unsupported_tax_category",
            "An invoice fee is standard-rated (S) or zero-rated (Z).",
        )
    elif zero_rated == (fee.tax_rate != 0):
        errors.add(
            "invoiceSettings.invoiceFee.taxRate",
            "tax_rate_category_mismatch",
            "Category S takes a rate above 0; the other categories take 0.",
        )
    if currency is None:
        return None
    return {
        "amount": fee.amount,
        "currency": currency.code,
        "taxRate": str(fee.tax_rate),
        "taxCategory": fee.tax_category.value,
        "description": fee.description,
    }


def _logo(errors: Collector, uri: str) -> str | None:
    """A data: URI of a PNG, JPEG or SVG image: printed on documents without fetching anything."""
    field = "invoiceSettings.logo"
    head, _, payload = uri.partition(",")
    media_type = head.removeprefix("data:").removesuffix(";base64")
    if not head.startswith("data:") or not head.endswith(";base64") or media_type not in _LOGO_TYPES:
        errors.add(field, "invalid_logo", "Give the logo as data:image/png|jpeg|svg+xml;base64,...")
        return None
    try:
        image = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        errors.add(field, "invalid_logo", "The logo's base64 data is not valid.")
        return None
    if len(image) > MAX_LOGO_BYTES:
        errors.add(field, "logo_too_large", f"The logo may be at most {MAX_LOGO_BYTES} bytes.")
        return None
    if not image.lstrip().startswith(_LOGO_TYPES[media_type]):
        errors.add(field, "invalid_logo", f"The data is not an {media_type} image.")
        return None
    return uri


def _bank_account(errors: Collector, value: str | None, country: str) -> str | None:
    if value is None:
        return None
    if country == "NO":
        return _standard(errors, "bankAccount", kontonr, value, "invalid_bank_account")
    compact = "".join(ch for ch in value if ch.isalnum()).upper()
    if not 4 <= len(compact) <= 34:
        errors.add("bankAccount", "invalid_bank_account", "The bank account number is not valid.")
        return None
    return compact


def _standard(errors: Collector, field: str, module: Any, value: str, code: str) -> str | None:
    validate: Callable[[str], object] = module.validate
    try:
        return str(validate(value))
    except ValidationError:
        errors.add(field, code, f"{value!r} is not valid.")
        return None


def _checked(errors: Collector, validate: Any, value: str | None, country: str) -> str | None:
    if value is None:
        return None
    result: str | None = errors.check(lambda: validate(value, country))
    return result


def _address(errors: Collector, address: dict[str, Any] | None) -> dict[str, str] | None:
    if address is None:
        return None
    cleaned = {key: value for key, value in address.items() if value}
    if "country" in cleaned:
        country = errors.check(lambda: normalize_country(cleaned["country"], field="address.country"))
        if country:
            cleaned["country"] = country
    return cleaned or None


def _mapping(value: object) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None
