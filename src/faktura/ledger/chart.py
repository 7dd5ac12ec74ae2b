"""The default chart of accounts, numbered after the Norwegian standard NS 4102.

Every merchant books on this chart; accounts are codes on journal lines, named here. Amounts are in the
document's currency and each currency is its own set of books (no exchange-rate translation).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    REVENUE = "revenue"
    EXPENSE = "expense"


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    name: str
    type: AccountType


RECEIVABLES = "1500"
BANK = "1920"
CLEARING_TEST_GATEWAY = "1940"
OUTPUT_VAT_HIGH = "2700"
OUTPUT_VAT_MEDIUM = "2701"
OUTPUT_VAT_LOW = "2702"
OUTPUT_VAT_OTHER = "2709"
CUSTOMER_PREPAYMENTS = "2900"
SALES = "3000"
SALES_ZERO_RATED = "3100"
SALES_OUTSIDE_VAT = "3200"
ROUNDING = "7780"
LOSSES_ON_RECEIVABLES = "7830"

ACCOUNTS: dict[str, Account] = {
    account.code: account
    for account in (
        Account(RECEIVABLES, "Accounts receivable (kundefordringer)", AccountType.ASSET),
        Account(BANK, "Bank deposits (bankinnskudd)", AccountType.ASSET),
        Account(CLEARING_TEST_GATEWAY, "Clearing: test gateway", AccountType.ASSET),
        Account(OUTPUT_VAT_HIGH, "Output VAT, standard rate (utgående mva, høy sats)", AccountType.LIABILITY),
        Account(
            OUTPUT_VAT_MEDIUM, "Output VAT, medium rate (utgående mva, middels sats)", AccountType.LIABILITY
        ),
        Account(OUTPUT_VAT_LOW, "Output VAT, low rate (utgående mva, lav sats)", AccountType.LIABILITY),
        Account(OUTPUT_VAT_OTHER, "Output VAT, other rates", AccountType.LIABILITY),
        Account(
            CUSTOMER_PREPAYMENTS,
            "Customer prepayments and credit (forskudd fra kunder)",
            AccountType.LIABILITY,
        ),
        Account(SALES, "Sales, VAT liable (salgsinntekt, avgiftspliktig)", AccountType.REVENUE),
        Account(SALES_ZERO_RATED, "Sales, zero-rated (salgsinntekt, avgiftsfri)", AccountType.REVENUE),
        Account(
            SALES_OUTSIDE_VAT,
            "Sales, exempt or outside VAT (salgsinntekt, utenfor avgiftsområdet)",
            AccountType.REVENUE,
        ),
        Account(ROUNDING, "Rounding differences (øreavrunding)", AccountType.EXPENSE),
        Account(LOSSES_ON_RECEIVABLES, "Losses on receivables (tap på fordringer)", AccountType.EXPENSE),
    )
}

# Where each gateway's money lands until it is settled to the bank. `manual` is a bank transfer: the
# money is already in the bank. `invoice` moves no money of its own (the invoice is paid later).
GATEWAY_ACCOUNTS = {"test": CLEARING_TEST_GATEWAY, "manual": BANK}

_VAT_BY_RATE = {Decimal(25): OUTPUT_VAT_HIGH, Decimal(15): OUTPUT_VAT_MEDIUM, Decimal(12): OUTPUT_VAT_LOW}


def gateway_account(gateway: str) -> str:
    """The clearing account a gateway's money is booked to; an unknown gateway is a programming error."""
    return GATEWAY_ACCOUNTS[gateway]


def sales_account(tax_category: str) -> str:
    """UNCL 5305 category to revenue account: S is VAT liable, Z and the reverse-charge/export
    categories are zero-rated turnover, E and O are exempt or outside the VAT area."""
    if tax_category == "S":
        return SALES
    if tax_category in ("E", "O"):
        return SALES_OUTSIDE_VAT
    return SALES_ZERO_RATED


def output_vat_account(rate: Decimal) -> str:
    return _VAT_BY_RATE.get(rate.normalize(), OUTPUT_VAT_OTHER)


def name_of(code: str) -> str:
    account = ACCOUNTS.get(code)
    return account.name if account else code
