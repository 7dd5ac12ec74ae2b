"""A customer's credit balance: overpayments and credit notes add to it, finalized invoices use it.

The balance per customer and currency is the sum of `customer_credits` rows and is mirrored, line for
line, on account 2900 with the customer. It is used up automatically when an invoice is finalized.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.customers.errors import CustomerNotFound
from faktura.invoices import books, repository
from faktura.invoices.schemas import CreditBalanceOut, CustomerCreditPage
from faktura.invoices.service import credit_used
from faktura.invoices.views import credit_out
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.models import CustomerCredit, Invoice, PaymentApplication


async def grant(
    session: AsyncSession,
    *,
    merchant_id: str,
    customer_id: str,
    currency: str,
    amount: int,
    source_type: str,
    source_id: str,
) -> str:
    """Add to the balance; the caller posts (or has posted) the matching Cr 2900 for the customer."""
    credit_id = new_id("ccr")
    await repository.add_new(
        session,
        CustomerCredit(
            id=credit_id,
            merchant_id=merchant_id,
            customer_id=customer_id,
            currency=currency,
            amount=amount,
            source_type=source_type,
            source_id=source_id,
        ),
    )
    return credit_id


async def available(session: AsyncSession, invoice: Invoice) -> int:
    """The customer's credit in the invoice's currency, locked until commit: what `use_on` can use."""
    await repository.lock_customer_credit(session, invoice.merchant_id, invoice.customer_id)
    return await repository.credit_balance(
        session, invoice.merchant_id, invoice.customer_id, invoice.currency
    )


async def use_on(session: AsyncSession, invoice: Invoice, balance: int | None = None) -> int:
    """Pay what the invoice owes from the customer's credit, as far as it goes; return the amount used.
    `balance`: the credit as `available` read it earlier in this transaction."""
    if invoice.amount_due <= 0:
        return 0
    if balance is None:
        balance = await available(session, invoice)
    amount = min(balance, invoice.amount_due)
    if amount <= 0:
        return 0
    application_id = new_id("pap")
    await repository.add_new(
        session,
        PaymentApplication(
            id=application_id,
            merchant_id=invoice.merchant_id,
            payment_id=None,
            invoice_id=invoice.id,
            amount=amount,
        ),
    )
    await grant(
        session,
        merchant_id=invoice.merchant_id,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        amount=-amount,
        source_type="payment_application",
        source_id=application_id,
    )
    await books.applied(
        session,
        invoice,
        application_id=application_id,
        amount=amount,
        credit_holder=invoice.customer_id,
        payment_id=None,
    )
    invoice.amount_paid += amount
    invoice.amount_due -= amount
    credit_used(session, invoice, amount)
    return amount


async def statement(
    session: AsyncSession, merchant_id: str, customer_id: str, params: PageParams
) -> CustomerCreditPage:
    if not await repository.customer_exists(session, merchant_id, customer_id):
        raise CustomerNotFound(customer_id)
    balances = await repository.credit_balances(session, merchant_id, customer_id)
    rows, cursor = await repository.page_credits(session, merchant_id, customer_id, params)
    return CustomerCreditPage(
        customer_id=customer_id,
        balances=[CreditBalanceOut(currency=c, amount=a) for c, a in balances],
        data=[credit_out(row) for row in rows],
        next_cursor=cursor,
    )
