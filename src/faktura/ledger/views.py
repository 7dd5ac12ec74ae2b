"""Build the API's ledger shapes from stored rows and database sums."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from faktura.ledger.chart import ACCOUNTS, CUSTOMER_PREPAYMENTS, RECEIVABLES, AccountType, name_of
from faktura.ledger.postings import EntryKind
from faktura.ledger.repository import AccountSums
from faktura.ledger.schemas import (
    AccountOut,
    JournalEntryOut,
    JournalLineOut,
    SourceOut,
    StatementRow,
    TrialBalanceOut,
    TrialBalanceRow,
)
from faktura.models import JournalEntry, JournalLine


def account_out(code: str) -> AccountOut:
    account = ACCOUNTS[code]
    return AccountOut(code=account.code, name=account.name, type=account.type)


def line_out(line: JournalLine) -> JournalLineOut:
    return JournalLineOut(
        account=line.account,
        account_name=name_of(line.account),
        debit=line.debit,
        credit=line.credit,
        customer_id=line.customer_id,
    )


def entry_out(entry: JournalEntry) -> JournalEntryOut:
    return JournalEntryOut(
        id=entry.id,
        kind=entry.kind,
        source=SourceOut(type=entry.source_type, id=entry.source_id),
        currency=entry.currency,
        customer_id=entry.customer_id,
        memo=entry.memo,
        details=entry.details or {},
        lines=[line_out(line) for line in entry.lines],
        created_at=entry.created_at,
    )


def trial_balance_out(currency: str, as_of: datetime | None, sums: Sequence[AccountSums]) -> TrialBalanceOut:
    """Each account's balance on the side it falls, so the two columns' totals are equal."""
    rows = []
    for account in sums:
        net = account.debit - account.credit
        known = ACCOUNTS.get(account.account)
        rows.append(
            TrialBalanceRow(
                account=account.account,
                name=name_of(account.account),
                type=known.type if known else AccountType.ASSET,
                debit=max(net, 0),
                credit=max(-net, 0),
                debit_turnover=account.debit,
                credit_turnover=account.credit,
            )
        )
    return TrialBalanceOut(
        currency=currency,
        as_of=as_of,
        accounts=rows,
        total_debit=sum(row.debit for row in rows),
        total_credit=sum(row.credit for row in rows),
    )


# (without a document number, with one)
_LABELS = {
    EntryKind.INVOICE_FINALIZED: ("Invoice finalized", "Invoice {number} finalized"),
    EntryKind.PAYMENT_RECEIVED: ("Payment received", "Payment received for invoice {number}"),
    EntryKind.PAYMENT_APPLIED: ("Payment applied to an invoice", "Payment applied to invoice {number}"),
    EntryKind.PAYMENT_UNAPPLIED: (
        "Payment taken back from an invoice",
        "Payment taken back from invoice {number}",
    ),
    EntryKind.REFUND: ("Refund", "Refund of a payment for invoice {number}"),
    EntryKind.CREDIT_NOTE: ("Credit note", "Credit note {number}"),
    EntryKind.WRITE_OFF: ("Invoice written off", "Invoice {number} written off"),
    EntryKind.INVOICE_VOIDED: ("Invoice voided", "Invoice {number} voided"),
}


# Movements whose direction tells them apart from the usual one of their kind.
_REVERSED_WRITE_OFF = ("Write-off reversed", "Write-off of invoice {number} reversed")
_KEPT_AS_CREDIT = ("Payment kept as customer credit", "Payment kept as customer credit")
_CREDIT_USED = ("Customer credit applied to an invoice", "Customer credit applied to invoice {number}")


def describe(kind: str, number: str | None, receivable: int = 0, *, credit_used: bool = False) -> str:
    plain, numbered = _LABELS.get(kind, (kind.replace("_", " ").capitalize(), None))
    if kind == EntryKind.WRITE_OFF and receivable > 0:
        plain, numbered = _REVERSED_WRITE_OFF
    elif kind == EntryKind.PAYMENT_APPLIED and receivable == 0:
        plain, numbered = _KEPT_AS_CREDIT
    elif kind == EntryKind.PAYMENT_APPLIED and credit_used:
        plain, numbered = _CREDIT_USED
    return numbered.format(number=number) if number and numbered else plain


@dataclass(slots=True)
class Movement:
    """One entry's effect on one customer's sub-ledger."""

    entry: JournalEntry
    receivable: int = 0
    credit: int = 0

    def add(self, line: JournalLine) -> None:
        if line.account == RECEIVABLES:
            self.receivable += line.debit - line.credit
        elif line.account == CUSTOMER_PREPAYMENTS:
            self.credit += line.credit - line.debit


def statement_row(
    movement: Movement, balance: int, invoice_id: str | None, number: str | None
) -> StatementRow:
    entry = movement.entry
    # An application without a payment settles the invoice from credit the customer held (a credit note).
    details = entry.details or {}
    credit_used = "paymentId" in details and details["paymentId"] is None
    return StatementRow(
        entry_id=entry.id,
        created_at=entry.created_at,
        kind=entry.kind,
        description=describe(entry.kind, number, movement.receivable, credit_used=credit_used),
        memo=entry.memo,
        source=SourceOut(type=entry.source_type, id=entry.source_id),
        invoice_id=invoice_id,
        document_number=number,
        receivable_change=movement.receivable,
        credit_change=movement.credit,
        amount=movement.receivable - movement.credit,
        balance=balance,
    )
