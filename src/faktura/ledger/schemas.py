from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from faktura.kit.schemas import Schema
from faktura.ledger.chart import AccountType


class AccountOut(Schema):
    code: str = Field(description="NS 4102 account number")
    name: str
    type: AccountType


class SourceOut(Schema):
    type: str = Field(description="What moved the money: invoice, payment, refund, credit_note, ...")
    id: str


class JournalLineOut(Schema):
    account: str
    account_name: str
    debit: int
    credit: int
    customer_id: str | None = Field(description="Set on receivables and prepayments: the sub-ledger")


class JournalEntryOut(Schema):
    id: str
    kind: str = Field(description="invoice_finalized, payment_received, payment_applied, refund, ...")
    source: SourceOut
    currency: str
    customer_id: str | None
    memo: str
    details: dict[str, Any]
    lines: list[JournalLineOut]
    created_at: datetime


class TrialBalanceRow(Schema):
    account: str
    name: str
    type: AccountType
    debit: int = Field(description="The account's balance when it is on the debit side, else 0")
    credit: int = Field(description="The account's balance when it is on the credit side, else 0")
    debit_turnover: int = Field(description="Sum of every debit on the account")
    credit_turnover: int = Field(description="Sum of every credit on the account")


class TrialBalanceOut(Schema):
    currency: str
    as_of: datetime | None = Field(description="Entries created at or before this moment; null: all")
    accounts: list[TrialBalanceRow]
    total_debit: int
    total_credit: int = Field(description="Always equal to totalDebit")


class StatementRow(Schema):
    entry_id: str
    created_at: datetime
    kind: str
    description: str = Field(description="What happened, with the document number where there is one")
    memo: str
    source: SourceOut
    invoice_id: str | None = Field(description="The invoice the movement concerns, when there is one")
    document_number: str | None = Field(description="The invoice's or credit note's number")
    receivable_change: int = Field(description="Change of the customer's receivable (1500)")
    credit_change: int = Field(description="Change of the customer's unapplied credit (2900)")
    amount: int = Field(description="Change of what the customer owes: receivableChange - creditChange")
    balance: int = Field(description="What the customer owes after this row")


class StatementOut(Schema):
    customer_id: str
    currency: str
    period_from: datetime | None = Field(serialization_alias="from")
    period_to: datetime | None = Field(serialization_alias="to")
    opening_balance: int = Field(description="What the customer owed before `from` (0 without `from`)")
    rows: list[StatementRow]
    closing_balance: int = Field(description="What the customer owes at the end: receivable - credit")
    receivable: int = Field(description="Open receivables (1500) at the end")
    credit: int = Field(description="Unapplied credit and prepayments (2900) at the end")
