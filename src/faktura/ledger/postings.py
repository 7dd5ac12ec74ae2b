"""Posting journal entries. Services call `post` inside the transaction that moves the money."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.clock import now
from faktura.kit.ids import new_id
from faktura.ledger import repository
from faktura.ledger.chart import ACCOUNTS, RECEIVABLES, ROUNDING, output_vat_account, sales_account
from faktura.ledger.errors import AlreadyPosted, LedgerError


class EntryKind:
    """What moved the money; with the source it identifies an entry, so nothing posts twice."""

    INVOICE_FINALIZED = "invoice_finalized"
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_APPLIED = "payment_applied"
    PAYMENT_UNAPPLIED = "payment_unapplied"
    REFUND = "refund"
    CREDIT_NOTE = "credit_note"
    WRITE_OFF = "write_off"
    INVOICE_VOIDED = "invoice_voided"


@dataclass(frozen=True, slots=True)
class Line:
    """One side of a posting. `customer_id` puts receivables and prepayments in the customer's sub-ledger."""

    account: str
    debit: int = 0
    credit: int = 0
    customer_id: str | None = None


async def post(
    session: AsyncSession,
    *,
    merchant_id: str,
    kind: str,
    source_type: str,
    source_id: str,
    currency: str,
    lines: Sequence[Line],
    memo: str,
    customer_id: str | None = None,
    details: dict[str, Any] | None = None,
    new_source: bool = False,
) -> str | None:
    """Post one balanced entry and return its id; None when every line is zero (nothing moved).

    Zero lines are dropped, and a line with a negative amount is turned to the other side, so callers
    can post computed figures as they are. Raises `AlreadyPosted` when this (kind, source) has an entry.
    `new_source`: the source was made or first moved in this transaction (an application just made, a
    draft being finalized under its lock), so it cannot have an entry yet and none is looked for; the
    unique (kind, source) still refuses a second one when the entry is written.
    """
    # Normalized first: a line with equal debit and credit nets to nothing and is dropped too.
    kept = [line for line in map(_normalized, lines) if line.debit or line.credit]
    if not kept:
        return None
    for line in kept:
        if line.account not in ACCOUNTS:
            raise LedgerError(f"unknown account {line.account}")
    debit = sum(line.debit for line in kept)
    credit = sum(line.credit for line in kept)
    if debit != credit:
        raise LedgerError(f"{kind} {source_id}: debits {debit} != credits {credit}")
    if not new_source:
        existing = await repository.entry_of(session, merchant_id, kind, source_type, source_id)
        if existing is not None:
            raise AlreadyPosted(f"{kind} for {source_type} {source_id} is already posted as {existing}")
    entry_id = new_id("je")
    stamp = now()
    await repository.add_entry(
        session,
        {
            "id": entry_id,
            "merchant_id": merchant_id,
            "kind": kind,
            "source_type": source_type,
            "source_id": source_id,
            "currency": currency,
            "customer_id": customer_id,
            "memo": memo[:300],
            "details": details or {},
            "created_at": stamp,
            "updated_at": stamp,
        },
        [
            {
                "id": new_id("jl"),
                "entry_id": entry_id,
                "merchant_id": merchant_id,
                "position": position,
                "account": line.account,
                "customer_id": line.customer_id,
                "currency": currency,
                "debit": line.debit,
                "credit": line.credit,
            }
            for position, line in enumerate(kept, start=1)
        ],
    )
    return entry_id


def _normalized(line: Line) -> Line:
    if line.debit < 0 or line.credit < 0:
        net = line.debit - line.credit
        return Line(line.account, max(net, 0), max(-net, 0), line.customer_id)
    if line.debit and line.credit:
        net = line.debit - line.credit
        return Line(line.account, max(net, 0), max(-net, 0), line.customer_id)
    return line


def document_lines(
    *,
    customer_id: str,
    total: int,
    rounding_amount: int,
    taxes: Sequence[dict[str, Any]],
    sign: int = 1,
) -> list[Line]:
    """Receivable against revenue and output VAT per tax category, as an invoice books it.

    `taxes` is the calculator's breakdown (`category`, `rate`, `taxableAmount`, `taxAmount`); `sign=-1`
    books the reverse, as a credit note does.
    """
    lines = [Line(RECEIVABLES, debit=sign * total, customer_id=customer_id)]
    for tax in taxes:
        lines.append(Line(sales_account(tax["category"]), credit=sign * int(tax["taxableAmount"])))
        if int(tax["taxAmount"]):
            lines.append(
                Line(output_vat_account(Decimal(str(tax["rate"]))), credit=sign * int(tax["taxAmount"]))
            )
    lines.append(Line(ROUNDING, credit=sign * rounding_amount))
    return lines
