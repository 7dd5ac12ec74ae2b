"""FeeWise's invoices onto native ones: `createInvoice` issues a native invoice at once (numbered, open,
with its payer's page), or answers or revises the firm's invoice of that `external_id`; the reads find
an invoice's newest revision; `adjustInvoiceAmount` revises it to one line of the new amount.

The rules are the native services'; this module translates FeeWise's fields (see docs/dialects/feewise.md
for the mapping) and refuses what a Faktura invoice cannot be made from.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date
from decimal import Decimal
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.customers import service as customers
from faktura.customers.schemas import CustomerCreate
from faktura.dialects.feewise import ids, views
from faktura.dialects.feewise.auth import Caller
from faktura.dialects.feewise.invoicing.errors import (
    AdjustMixedRates,
    AmountMismatch,
    ArtifactNotFound,
    CurrencyRequired,
    DebtorRequired,
    ReadOnlyField,
)
from faktura.dialects.feewise.schemas import CURRENCIES, DebtorIn, Invoice, InvoiceIn, LineItemIn
from faktura.invoices import drafts, revisions
from faktura.invoices import service as invoices
from faktura.invoices.schemas import InvoiceCreate, InvoiceOut
from faktura.kit.clock import today
from faktura.kit.currencies import to_minor
from faktura.kit.errors import FieldError, ValidationFailed
from faktura.kit.pagination import PageParams
from faktura.kit.validation import Collector, fields_renamed
from faktura.merchants import service as merchants
from faktura.merchants.terms import MAX_PAYMENT_TERMS_DAYS
from faktura.orders.schemas import OrderItemIn
from faktura.parties.schemas import AddressIn
from faktura.payments import received
from faktura.payments import service as payments
from faktura.payments.gateways import CARD_GATEWAY
from faktura.payments.schemas import IntentCreate, PaymentRecord
from faktura.tax import service as tax

MAX_AMOUNT = 10**15
READ_ONLY = ("invoice_id", "payment_uri", "status", "amount_due", "payments")
# A native customer's fields by the debtor's names, for the refusals of a new debtor's details.
_DEBTOR_FIELDS = {"name": "name", "email": "email", "phone": "contact_number", "address": "address"}


async def create(
    session: AsyncSession, caller: Caller, body: InvoiceIn, source_id: str | None, settings: Settings
) -> tuple[str, InvoiceOut]:
    """The firm's invoice of `body`: issued now; or, for an `external_id` the firm has, the invoice as
    it is (the same content again: a retry) or its revision (changed content). Returns the merchant and
    the native invoice."""
    merchant_id = await caller.firm(session, str(body.firm_id))
    sent = [name for name in READ_ONLY if getattr(body, name) is not None]
    if sent:
        raise ReadOnlyField(
            "These fields are the invoice's own and must not be sent: " + ", ".join(sent) + ".",
            details=[FieldError(name, "read_only", "Must not be sent.") for name in sent],
        )
    if body.debtor is None:
        raise DebtorRequired.field(
            "debtor", "debtor_required", "A Faktura invoice names its buyer: send debtor."
        )
    source = body.source_id or source_id
    content = _digest(body, source)
    existing = await revisions.id_by_external_id(session, merchant_id, body.external_id)
    current = await invoices.get(session, merchant_id, existing) if existing is not None else None
    if current is not None and current.metadata.get(views.CONTENT) == content:
        return merchant_id, current  # a retry of what made it
    currency = await _currency(session, merchant_id, body.currency)
    errors = Collector()
    amount = errors.check(partial(money, body.amount, currency, "amount"))
    if amount is not None and amount <= 0:
        errors.add("amount", "invalid_amount", "The amount must be above 0.")
    terms = _terms(body, errors)
    if body.settlement_account_type is not None and body.settlement_account_id is not None:
        errors.add(
            "settlement_account_id",
            "conflicting_settlement_account",
            "Send settlement_account_type or settlement_account_id, not both.",
        )
    note = "\n".join(body.notes) if body.notes else None
    if note is not None and len(note) > 1000:
        errors.add("notes", "too_long", "The notes, one per line, must fit in 1000 characters.")
    items = await _items(session, merchant_id, body, currency, errors)
    errors.raise_if_any()
    assert amount is not None
    _check_total(items, amount, currency)
    customer_id = await _customer(session, merchant_id, body.debtor)
    metadata = _metadata(body, source, content)
    if current is not None:
        metadata[views.CREATED_AT] = current.metadata.get(views.CREATED_AT) or current.created_at.isoformat()
    data = InvoiceCreate(
        customer_id=customer_id,
        currency=currency,
        prices_include_tax=True,
        items=items,
        payment_terms_days=terms,
        note=note,
        metadata=metadata,
        external_id=body.external_id,
        finalize=True,
    )
    if current is None:
        issued = await drafts.create(session, merchant_id, data)
    else:
        issued = await revisions.revise(session, merchant_id, current.id, data)
    await _return_to_redirect_url(session, merchant_id, issued, settings)
    return merchant_id, issued


async def find(session: AsyncSession, caller: Caller, invoice_uuid: str) -> tuple[str, InvoiceOut]:
    """The caller's invoice of FeeWise's `invoice_id` (any revision's id), as its newest revision."""
    invoice_id = ids.id_of(ids.INVOICE, invoice_uuid)
    merchant_id = None
    if invoice_id is not None:
        merchant_id = await revisions.owner(session, invoice_id, await caller.firms(session))
    if invoice_id is None or merchant_id is None:
        raise ArtifactNotFound(invoice_uuid)
    return merchant_id, await revisions.current(session, merchant_id, invoice_id)


async def by_external_id(
    session: AsyncSession, caller: Caller, firm_uuid: str, external_id: str
) -> tuple[str, InvoiceOut]:
    merchant_id = await caller.firm(session, firm_uuid)
    invoice_id = await revisions.id_by_external_id(session, merchant_id, external_id)
    if invoice_id is None:
        raise ArtifactNotFound(external_id)
    return merchant_id, await invoices.get(session, merchant_id, invoice_id)


async def adjust(
    session: AsyncSession, caller: Caller, invoice_uuid: str, new_amount: str, settings: Settings
) -> tuple[str, InvoiceOut]:
    """A revision of the invoice for `new_amount`: one line at that amount, with the VAT rate all its
    lines share and the first line's text."""
    merchant_id, current = await find(session, caller, invoice_uuid)
    revisions.require_revisable(current.id, current.status, current.amount_paid, current.amount_credited)
    amount = money(new_amount, current.currency, "new_amount")
    if amount <= 0:
        raise ValidationFailed.field("new_amount", "invalid_amount", "The amount must be above 0.")
    rates = {(item.tax_category, Decimal(item.tax_rate), item.tax_rule_id) for item in current.items}
    if len(rates) != 1:
        raise AdjustMixedRates(
            f"The invoice's lines have {len(rates)} VAT rates; send it again with its new line_items."
        )
    first = current.items[0]
    line = OrderItemIn(
        description=first.description,
        quantity=Decimal(1),
        unit_price=amount,
        unit_code=first.unit_code,
        tax_rule_id=first.tax_rule_id,
        tax_rate=None if first.tax_rule_id else Decimal(first.tax_rate),
        tax_category=None if first.tax_rule_id else first.tax_category,
        tax_exemption_reason=None if first.tax_rule_id else first.tax_exemption_reason,
    )
    metadata = dict(current.metadata)
    metadata[views.CREATED_AT] = metadata.get(views.CREATED_AT) or current.created_at.isoformat()
    metadata.pop(views.CONTENT, None)  # the body it was made from no longer describes it
    data = InvoiceCreate(
        customer_id=current.customer_id,
        currency=current.currency,
        prices_include_tax=current.prices_include_tax,
        items=[line],
        payment_terms_days=_days_left(current.due_date),
        note=current.note,
        reference=current.reference,
        metadata=metadata,
        finalize=True,
    )
    issued = await revisions.revise(session, merchant_id, current.id, data)
    await _return_to_redirect_url(session, merchant_id, issued, settings)
    return merchant_id, issued


async def _return_to_redirect_url(
    session: AsyncSession, merchant_id: str, issued: InvoiceOut, settings: Settings
) -> None:
    """With `payment_redirect_url`, the invoice's payer page takes the card by an intent made now whose
    return URL it is, so the payer is sent there once paid (the page's later attempts keep it)."""
    redirect = issued.metadata.get(views.PAYMENT_REDIRECT_URL)
    if redirect is None or issued.amount_due <= 0:
        return
    await session.flush()  # the issued invoice as the payments service reads it
    await payments.create(
        session,
        merchant_id,
        IntentCreate(
            invoice_id=issued.id,
            amount=issued.amount_due,
            currency=issued.currency,
            gateway=CARD_GATEWAY,
            return_url=redirect,
        ),
        settings=settings,
    )


async def rendered(session: AsyncSession, merchant_id: str, out: InvoiceOut, settings: Settings) -> Invoice:
    """FeeWise's Invoice of the native invoice with its payments: what the reads answer, and what a
    webhook of a native `invoice.*` event sends (`InvoiceOut.model_validate(event.data)`)."""
    return views.invoice(out, merchant_id, await payments_of(session, merchant_id, out, settings))


async def payments_of(
    session: AsyncSession, merchant_id: str, out: InvoiceOut, settings: Settings
) -> list[views.PaymentFacts]:
    """The payments applied to the invoice, oldest first, with the intents they came through."""
    records: list[PaymentRecord] = []
    cursor = None
    while True:
        page, next_cursor = await received.page(
            session, merchant_id, PageParams(limit=100, after_id=cursor), invoice_id=out.id
        )
        records.extend(page)
        if next_cursor is None or not page:
            break
        cursor = page[-1].payment.id
    return await facts_of(session, merchant_id, records, settings)


async def facts_of(
    session: AsyncSession, merchant_id: str, records: list[PaymentRecord], settings: Settings
) -> list[views.PaymentFacts]:
    intents = await payments.intents(
        session, merchant_id, [r.payment.payment_intent_id for r in records], settings=settings
    )
    by_id = {intent.id: intent for intent in intents}
    ordered = sorted(records, key=lambda r: r.payment.id)
    return [views.PaymentFacts(r.payment, by_id.get(r.payment.payment_intent_id)) for r in ordered]


def _digest(body: InvoiceIn, source: str | None) -> str:
    sent = body.model_dump(mode="json", exclude={"created_at"}, exclude_none=True)
    return hashlib.sha256(json.dumps([sent, source], sort_keys=True).encode()).hexdigest()


def money(value: str, currency: str, field: str) -> int:
    """FeeWise's decimal string in minor units, exactly: more decimals than the currency has is a 400."""
    minor = to_minor(value, currency, field)
    if abs(minor) >= MAX_AMOUNT:
        raise ValidationFailed.field(field, "too_large", "The amount is too large.")
    return minor


async def _currency(session: AsyncSession, merchant_id: str, asked: str | None) -> str:
    """The currency asked for, else the firm's own when it is one of FeeWise's. Whether the firm takes
    it is the native invoice's check (`currency_not_accepted`)."""
    if asked is not None:
        return asked
    merchant = await merchants.require(session, merchant_id)
    if merchant.default_currency not in CURRENCIES:
        raise CurrencyRequired.field(
            "currency",
            "currency_required",
            f"The firm's currency ({merchant.default_currency}) is none of FeeWise's; send currency "
            f"({', '.join(CURRENCIES)}).",
        )
    return merchant.default_currency


def _terms(body: InvoiceIn, errors: Collector) -> int | None:
    """The days to pay: from today (the issue date) to `due_date`'s day in UTC."""
    if body.due_date is None:
        return None
    due = body.due_date.astimezone(UTC).date() if body.due_date.tzinfo else body.due_date.date()
    days = (due - today()).days
    if days < 0:
        errors.add("due_date", "due_date_in_past", f"due_date must be today ({today()}) or later.")
        return None
    if days > MAX_PAYMENT_TERMS_DAYS:
        errors.add("due_date", "due_date_too_far", f"due_date must be within {MAX_PAYMENT_TERMS_DAYS} days.")
        return None
    return days


def _days_left(due: date | None) -> int | None:
    return max((due - today()).days, 0) if due is not None else None


async def _items(
    session: AsyncSession, merchant_id: str, body: InvoiceIn, currency: str, errors: Collector
) -> list[OrderItemIn]:
    fallback = body.description or f"Invoice {body.external_reference or body.external_id}"
    default = await tax.default_rule(session, merchant_id)
    if not body.line_items:
        amount = errors.check(partial(money, body.amount, currency, "amount"))
        if amount is None or default is None:
            return []
        return [OrderItemIn(description=fallback, unit_price=amount, tax_rule_id=default.id)]
    items = []
    for index, line in enumerate(body.line_items):
        item = _item(index, line, currency, fallback, default.id if default else None, errors)
        if item is not None:
            items.append(item)
    return items


def _item(
    index: int, line: LineItemIn, currency: str, fallback: str, default_rule: str | None, errors: Collector
) -> OrderItemIn | None:
    at = f"line_items.{index}"
    amount = errors.check(partial(money, line.amount, currency, f"{at}.amount"))
    if amount is not None and amount < 0:
        errors.add(f"{at}.amount", "invalid_amount", "A line's amount must not be negative.")
        return None
    if line.tax_rate is None and default_rule is None:
        errors.add(f"{at}.tax_rate", "required", "The firm has no VAT rule to default to: send tax_rate.")
    if amount is None or (line.tax_rate is None and default_rule is None):
        return None
    text = ": ".join(part for part in (line.name, line.description) if part) or fallback
    quantity = line.quantity or 1
    unit, count = divmod(amount, quantity)
    if count:  # no exact unit price in minor units: the line is 1 x its amount, its quantity in its text
        text, unit, quantity = f"{quantity} x {text}", amount, 1
    rate = Decimal(line.tax_rate) if line.tax_rate is not None else None
    return OrderItemIn(
        description=text,
        quantity=Decimal(quantity),
        unit_price=unit,
        tax_rate=rate,
        tax_rule_id=None if rate is not None else default_rule,
    )


def _check_total(items: list[OrderItemIn], amount: int, currency: str) -> None:
    total = sum((item.unit_price or 0) * int(item.quantity) for item in items)
    if total != amount:
        shown = views.major(total, currency)
        raise AmountMismatch.field(
            "amount",
            "amount_mismatch",
            f"The line items add up to {shown}, not {views.major(amount, currency)}.",
        )


async def _customer(session: AsyncSession, merchant_id: str, debtor: DebtorIn) -> str:
    """The firm's customer with the debtor's external_id, as stored; else a new private customer."""
    found = await customers.by_external_id(session, merchant_id, debtor.external_id)
    if found is not None:
        return found.id
    name = debtor.name or " ".join(part for part in (debtor.first_name, debtor.last_name) if part)
    if not name:
        raise DebtorRequired.field(
            "debtor.name", "debtor_required", "A debtor the firm does not have yet needs a name."
        )
    with fields_renamed(lambda field: f"debtor.{_debtor_field(field)}"):
        made = await customers.create(
            session,
            merchant_id,
            CustomerCreate(
                type="private",
                name=name,
                email=debtor.email,
                phone=debtor.contact_number,
                address=AddressIn(street=debtor.address) if debtor.address else None,
                external_id=debtor.external_id,
            ),
        )
    return made.id


def _debtor_field(native: str) -> str:
    return _DEBTOR_FIELDS.get(native.split(".")[0], native)


def _metadata(body: InvoiceIn, source: str | None, content: str) -> dict[str, str]:
    assert body.debtor is not None
    found = {
        views.EXTERNAL_REFERENCE: body.external_reference,
        views.DESCRIPTION: body.description,
        views.MATTER: body.matter.model_dump_json(exclude_none=True) if body.matter else None,
        views.SOURCE_ID: source,
        views.SETTLEMENT_ACCOUNT_TYPE: body.settlement_account_type,
        views.SETTLEMENT_ACCOUNT_ID: str(body.settlement_account_id) if body.settlement_account_id else None,
        views.PAYMENT_METHODS_OVERRIDE: ",".join(body.payment_methods_override)
        if body.payment_methods_override
        else None,
        views.SURCHARGE_CHOICE_OVERRIDE: body.surcharge_choice_override,
        views.ARTIFACT_SUBTYPE: body.artifact_subtype,
        views.PAYMENT_REDIRECT_URL: body.payment_redirect_url,
        views.DEBTOR_EXTERNAL_ID: body.debtor.external_id,
        views.CONTENT: content,
    }
    return {key: value for key, value in found.items() if value is not None}
