from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.customers.errors import CustomerNotFound
from faktura.kit.db import Database
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.kit.schemas import UtcDateTime
from faktura.ledger import export, service, views
from faktura.ledger.chart import ACCOUNTS
from faktura.ledger.errors import JournalEntryNotFound
from faktura.ledger.schemas import AccountOut, JournalEntryOut, StatementOut, TrialBalanceOut
from faktura.ledger.service import EntryFilter

router = api_router("/api/v1/Ledger", "Ledger")
Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]

_MOMENT = "A date (2024-05-31, the whole UTC day) or a date-time (2024-05-31T12:00:00Z)"
Currency = Annotated[
    str | None, Query(min_length=3, max_length=3, description="ISO 4217; default: the merchant's currency")
]


async def entry_filter(
    kind: Annotated[str | None, Query(max_length=40)] = None,
    source_type: Annotated[str | None, Query(alias="sourceType", max_length=40)] = None,
    source_id: Annotated[str | None, Query(alias="sourceId", max_length=40)] = None,
    customer_id: Annotated[
        str | None, Query(alias="customerId", max_length=40, description="Entries on the customer's books")
    ] = None,
    account: Annotated[
        str | None, Query(max_length=10, description="Entries with a line on this account")
    ] = None,
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    created_from: Annotated[UtcDateTime | None, Query(alias="createdFrom")] = None,
    created_to: Annotated[UtcDateTime | None, Query(alias="createdTo", description="Exclusive")] = None,
) -> EntryFilter:
    return service.entry_filter(
        kind=kind,
        source_type=source_type,
        source_id=source_id,
        customer_id=customer_id,
        account=account,
        currency=currency,
        created_from=created_from,
        created_to=created_to,
    )


Filter = Annotated[EntryFilter, Depends(entry_filter)]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV, RFC 4180"}
}


@router.get("/Accounts", response_model=Page[AccountOut])
async def list_accounts(auth: Auth) -> Page[AccountOut]:
    """The chart of accounts (NS 4102 numbering).

    The accounts every merchant's ledger uses, with NS 4102 numbers: receivables, bank, sales per VAT
    rate, output VAT, customer credit, losses.
    """
    return Page(data=[views.account_out(code) for code in sorted(ACCOUNTS)])


@router.get("/JournalEntries", response_model=Page[JournalEntryOut])
async def list_journal_entries(
    auth: Auth, session: Session, paging: Paging, where: Filter
) -> Page[JournalEntryOut]:
    """List journal entries with their lines, newest first.

    Each entry balances (debits equal credits) and names its source (invoice, payment, refund, credit
    note). Filter by time, account and source; pages follow `nextCursor`.
    """
    rows, cursor = await service.page(session, auth.merchant_id, paging, where)
    return Page(data=rows, next_cursor=cursor)


@router.get("/JournalEntries.csv", response_class=StreamingResponse, responses=CSV_RESPONSE)
async def export_journal_entries(
    request: Request, auth: Auth, session: Session, where: Filter
) -> StreamingResponse:
    """Export journal lines as CSV, oldest first, with the list's filters.

    One row per journal line, for import into accounting software; amounts in major units with the
    currency's decimals.
    """
    through = await service.export_through(session, auth.merchant_id, where)
    db: Database = request.app.state.db
    return StreamingResponse(
        export.journal_lines(db, auth.merchant_id, where, through),
        media_type=export.MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="journal.csv"'},
    )


@router.get(
    "/JournalEntries/{entry_id}", response_model=JournalEntryOut, responses=errors(JournalEntryNotFound)
)
async def get_journal_entry(entry_id: str, auth: Auth, session: Session) -> JournalEntryOut:
    """Get a journal entry with its lines.

    Its lines, each an account with a debit or credit, and the source it was posted for.
    """
    return await service.get(session, auth.merchant_id, entry_id)


@router.get("/TrialBalance", response_model=TrialBalanceOut)
async def get_trial_balance(
    auth: Auth,
    session: Session,
    currency: Currency = None,
    as_of: Annotated[str | None, Query(alias="asOf", max_length=40, description=_MOMENT)] = None,
) -> TrialBalanceOut:
    """Every account's balance in one currency, at a moment or now.

    Debits and credits per account, summed over every entry up to the moment; the totals are equal.
    """
    return await service.trial_balance(session, auth.merchant_id, currency, as_of)


@router.get("/TrialBalance.csv", response_class=Response, responses=CSV_RESPONSE)
async def export_trial_balance(
    auth: Auth,
    session: Session,
    currency: Currency = None,
    as_of: Annotated[str | None, Query(alias="asOf", max_length=40, description=_MOMENT)] = None,
) -> Response:
    """Export the trial balance as CSV.

    The trial balance as rows of account, name, debit, credit and balance.
    """
    balance = await service.trial_balance(session, auth.merchant_id, currency, as_of)
    return Response(
        export.trial_balance(balance),
        media_type=export.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="trial-balance-{balance.currency}.csv"'},
    )


@router.get("/Customers/{customer_id}", response_model=StatementOut, responses=errors(CustomerNotFound))
async def get_customer_statement(
    customer_id: str,
    auth: Auth,
    session: Session,
    currency: Currency = None,
    period_from: Annotated[str | None, Query(alias="from", max_length=40, description=_MOMENT)] = None,
    period_to: Annotated[
        str | None, Query(alias="to", max_length=40, description=f"{_MOMENT}; inclusive")
    ] = None,
) -> StatementOut:
    """A customer's statement: receivables and credit with a running balance.

    Invoices, payments, credit notes and refunds of the customer in one currency, oldest first, with the
    balance after each; the period is `from` to `to`.
    """
    return await service.statement(
        session,
        auth.merchant_id,
        customer_id,
        currency=currency,
        period_from=period_from,
        period_to=period_to,
    )


routers: list[APIRouter] = [router]
