"""Customer rules: who may be billed, and with which identifiers. Never commits."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import events
from faktura.customers import repository
from faktura.customers.errors import CustomerNotFound, ExternalIdTaken
from faktura.customers.schemas import CustomerCreate, CustomerOut, CustomerType, CustomerUpdate
from faktura.kit import clock
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.kit.validation import Collector
from faktura.merchants import service as merchants
from faktura.models import Customer
from faktura.parties import validation as v

_FIELDS = (
    "type",
    "name",
    "email",
    "phone",
    "personal_number",
    "organization_number",
    "vat_number",
    "address",
    "preferred_language",
    "external_id",
    "metadata",
)


async def create(session: AsyncSession, merchant_id: str, data: CustomerCreate) -> Customer:
    raw = data.model_dump(exclude_unset=True)
    clock_id = raw.pop("test_clock_id", None)
    if clock_id is not None and not await repository.test_clock_exists(session, merchant_id, clock_id):
        raise ValidationFailed.field("testClockId", "test_clock_not_found", f"No test clock '{clock_id}'.")
    fields = await _validated(session, merchant_id, raw)
    await _check_external_id(session, merchant_id, fields.get("external_id"), None)
    customer = Customer(id=new_id("cus"), merchant_id=merchant_id, test_clock_id=clock_id, **_columns(fields))
    session.add(customer)
    await session.flush()
    await _announce(session, customer, "customer.created")
    return customer


async def update(session: AsyncSession, merchant_id: str, customer_id: str, data: CustomerUpdate) -> Customer:
    """PATCH: the fields sent change, `null` clears one; the address merges field by field (RFC 7396)."""
    customer = await get(session, merchant_id, customer_id)
    current = {name: getattr(customer, name) for name in _FIELDS if name not in ("metadata",)}
    current["metadata"] = customer.metadata_
    sent = data.model_dump(exclude_unset=True)
    if sent.get("address") is not None:
        sent["address"] = (customer.address or {}) | sent["address"]
    return await _change(session, merchant_id, customer, current | sent)


async def replace(
    session: AsyncSession, merchant_id: str, customer_id: str, data: CustomerCreate
) -> Customer:
    """PUT: every field as sent; the ones left out are cleared."""
    customer = await get(session, merchant_id, customer_id)
    cleared = dict.fromkeys(_FIELDS)
    return await _change(session, merchant_id, customer, cleared | data.model_dump(exclude_unset=True))


async def _change(
    session: AsyncSession, merchant_id: str, customer: Customer, raw: dict[str, Any]
) -> Customer:
    fields = await _validated(session, merchant_id, raw)
    await _check_external_id(session, merchant_id, fields.get("external_id"), customer.id)
    for name, value in _columns(fields).items():
        setattr(customer, name, value)
    customer.updated_at = clock.now()
    await session.flush()
    await _announce(session, customer, "customer.updated")
    return customer


async def delete(session: AsyncSession, merchant_id: str, customer_id: str) -> None:
    """Soft delete: orders and invoices keep pointing at the row; the API no longer shows it."""
    customer = await get(session, merchant_id, customer_id)
    customer.deleted_at = clock.now()
    customer.external_id = None
    await session.flush()
    await _announce(session, customer, "customer.deleted")


async def get(session: AsyncSession, merchant_id: str, customer_id: str) -> Customer:
    customer = await repository.get(session, merchant_id, customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    return customer


async def billed(session: AsyncSession, merchant_id: str, customer_id: str) -> Customer:
    """The customer an issued document names, deleted or not: documents keep their customer."""
    customer = await repository.get_even_deleted(session, merchant_id, customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    return customer


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    email: str | None,
    external_id: str | None,
    customer_type: str | None,
) -> tuple[list[Customer], str | None]:
    if email is not None:
        email = v.normalize_email(email, field="email")
    return await repository.page(
        session, merchant_id, params, email=email, external_id=external_id, customer_type=customer_type
    )


async def _announce(session: AsyncSession, customer: Customer, event_type: str) -> None:
    await events.record(
        session,
        merchant_id=customer.merchant_id,
        type=event_type,
        resource="customer",
        resource_id=customer.id,
        data=events.snapshot(CustomerOut.of(customer)),
    )


async def _check_external_id(
    session: AsyncSession, merchant_id: str, external_id: str | None, own_id: str | None
) -> None:
    if external_id is None:
        return
    other = await repository.by_external_id(session, merchant_id, external_id)
    if other is not None and other.id != own_id:
        raise ExternalIdTaken(f"Customer {other.id} already has externalId '{external_id}'.")


async def _validated(session: AsyncSession, merchant_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Normalise every identifier against the buyer's country (the merchant's when no address says)."""
    merchant = await merchants.find(session, merchant_id)
    errors = Collector()
    fields = dict(raw)
    address = dict(raw.get("address") or {})
    country = merchant.country if merchant else "NO"
    if address.get("country"):
        country = errors.check(lambda: v.normalize_country(address["country"])) or country
        address["country"] = country
    fields["address"] = {k: val for k, val in address.items() if val is not None} or None
    fields["country"] = country

    for name in ("type", "name"):
        if not raw.get(name):
            errors.add(name, "required", f"A customer needs a {name}.")
    checks: dict[str, Callable[[str], str]] = {
        "email": v.normalize_email,
        "phone": partial(v.normalize_phone, country=country),
        "personal_number": partial(v.validate_personal_number, country=country),
        "organization_number": partial(v.validate_organization_number, country=country),
        "vat_number": partial(v.validate_vat_number, country=country),
        "preferred_language": v.normalize_language,
    }
    for name, check in checks.items():
        value = fields.get(name)
        fields[name] = errors.check(partial(check, value)) if value else None
    if fields.get("type") == "corporate" and not raw.get("organization_number"):
        errors.add("organizationNumber", "required", "A corporate customer needs an organisation number.")
    if fields.get("type") == "corporate" and raw.get("personal_number"):
        errors.add("personalNumber", "not_allowed", "A corporate customer has no personal number.")
    errors.raise_if_any()
    fields["preferred_language"] = fields["preferred_language"] or v.default_language(country)
    fields["peppol_participant"] = (
        v.peppol_participant(country, fields["organization_number"])
        if fields.get("type") == "corporate" and fields.get("organization_number")
        else None
    )
    return fields


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    columns = {name: fields.get(name) for name in _FIELDS if name != "metadata"}
    columns["metadata_"] = fields.get("metadata") or {}
    columns["country"] = fields["country"]
    columns["peppol_participant"] = fields["peppol_participant"]
    return columns


async def id_by_organization_number(session: AsyncSession, merchant_id: str, number: str) -> str | None:
    """The id of the merchant's customer with this organisation number, if any."""
    return await repository.id_by_organization_number(session, merchant_id, number)


async def id_by_personal_number(session: AsyncSession, merchant_id: str, number: str) -> str | None:
    """The id of the merchant's customer with this personal number (compact, as stored), if any."""
    return await repository.id_by_personal_number(session, merchant_id, number)


async def id_by_email(
    session: AsyncSession, merchant_id: str, email: str, type_: CustomerType | None = None
) -> str | None:
    """The id of the merchant's customer with this e-mail address (lower case), of `type_` when
    given, if any."""
    return await repository.id_by_email(session, merchant_id, email, type_)


async def external_ids(
    session: AsyncSession, merchant_id: str, customer_ids: Collection[str]
) -> dict[str, str]:
    """Customer id -> the merchant's own number for it (`externalId`), for those that have one."""
    return await repository.external_ids(session, merchant_id, sorted(set(customer_ids)))


async def by_external_id(session: AsyncSession, merchant_id: str, external_id: str) -> CustomerOut | None:
    """The merchant's live customer with this `externalId` (the merchant's own customer number), if any."""
    customer = await repository.by_external_id(session, merchant_id, external_id)
    return CustomerOut.of(customer) if customer is not None else None


async def is_test_customer(session: AsyncSession, merchant_id: str, customer_id: str) -> bool:
    """A customer on a test clock: its documents are numbered in the test series, apart from the live."""
    return await repository.test_clock_of(session, merchant_id, customer_id) is not None
