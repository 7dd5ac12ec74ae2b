"""Subscriptions, their billing history, and test clocks (`/api/v1/`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth, SettingsDep
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.subscriptions import changes, clocks, repricing, service
from faktura.subscriptions.errors import (
    CollectiveCreditRefused,
    InvalidSubscriptionTransition,
    NoPendingChange,
    NothingToCredit,
    PeriodInvoiceNotIssued,
    SubscriptionEnded,
    SubscriptionNotFound,
    TestClockBusy,
    TestClockNotFound,
)
from faktura.subscriptions.schemas import (
    BillingOut,
    CancelRequest,
    PauseRequest,
    PreviewOut,
    PriceChange,
    PriceChangeOut,
    SubscriptionChange,
    SubscriptionCreate,
    SubscriptionOut,
    TestClockAdvance,
    TestClockCreate,
    TestClockOut,
)
from faktura.subscriptions.states import SubscriptionStatus

Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]
_CHANGING = (SubscriptionNotFound, SubscriptionEnded, InvalidSubscriptionTransition)
# A change that credits part of a period it cannot credit.
_CREDITING = (*_CHANGING, PeriodInvoiceNotIssued, CollectiveCreditRefused, NothingToCredit)

subscriptions = api_router("/api/v1/Subscriptions", "Subscriptions")
histories = api_router("/api/v1/SubscriptionBillingHistories", "Subscriptions")
test_clocks = api_router("/api/v1/TestClocks", "Test clocks")


@subscriptions.post("", status_code=201, response_model=SubscriptionOut)
async def create_subscription(
    body: SubscriptionCreate, auth: Auth, session: Session, settings: SettingsDep
) -> SubscriptionOut:
    """Start a subscription: directly, or from an order (`orderId`, its customer and products).

    A start date today or earlier bills its first period now (every missed period, for a start in
    the past); a later one waits as `scheduled`; a trial bills nothing until it ends. Monthly and
    yearly cycles bill on `billingAnchor` (1-31, the month's last day where it is shorter).
    """
    return await service.create(session, auth.merchant_id, body, settings)


@subscriptions.get("", response_model=Page[SubscriptionOut])
async def list_subscriptions(
    auth: Auth,
    session: Session,
    paging: Paging,
    customer_id: Annotated[str | None, Query(alias="customerId", max_length=40)] = None,
    status: Annotated[SubscriptionStatus | None, Query()] = None,
) -> Page[SubscriptionOut]:
    """List subscriptions, newest first.

    Filter by `customerId` and `status`; pages by cursor.
    """
    rows, cursor = await service.page(
        session, auth.merchant_id, paging, customer_id=customer_id, status=status.value if status else None
    )
    return Page(data=rows, next_cursor=cursor)


@subscriptions.post("/price-changes", response_model=PriceChangeOut)
async def change_price(
    body: PriceChange, auth: Auth, session: Session, settings: SettingsDep
) -> PriceChangeOut:
    """Move the subscribers of a product to another of its prices, from a date, with notice.

    Each subscription not canceled that bills the price's product at another price gets the new price
    as a scheduled change (`pendingChange`) at its first period boundary on or after the later of
    `effectiveFrom` and today + `noticeDays`. One with another change scheduled is skipped and named.
    """
    return await repricing.move_to_price(session, auth.merchant_id, body, settings)


@subscriptions.get(
    "/{subscription_id}", response_model=SubscriptionOut, responses=errors(SubscriptionNotFound)
)
async def get_subscription(subscription_id: str, auth: Auth, session: Session) -> SubscriptionOut:
    """Get a subscription.

    With its current period (ISO dates, the end exclusive) and any change waiting for the period's end.
    """
    return await service.get(session, auth.merchant_id, subscription_id)


@subscriptions.patch("/{subscription_id}", response_model=SubscriptionOut, responses=errors(*_CREDITING))
async def change_subscription(
    subscription_id: str, body: SubscriptionChange, auth: Auth, session: Session, settings: SettingsDep
) -> SubscriptionOut:
    """Change the items (as a whole) or the cycle; `prorationMode` says when the difference is billed.

    `invoice_now` bills the rest of the period now, `next_invoice` on the next renewal,
    `at_period_end` makes the change wait for the period's end (`pendingChange`), `none` bills no
    difference. In the first two, what makes the rest of the period cheaper is credited now, by credit
    notes on the period's invoices. Default: the merchant's policy (upgrades now, downgrades at the
    period's end).
    """
    return await changes.change(session, auth.merchant_id, subscription_id, body, settings)


@subscriptions.post("/{subscription_id}/preview", response_model=PreviewOut, responses=errors(*_CREDITING))
async def preview_change(
    subscription_id: str, body: SubscriptionChange, auth: Auth, session: Session, settings: SettingsDep
) -> PreviewOut:
    """Preview a change: the invoice lines it would make, and the credit notes it would issue.

    Computed by the same code as the change itself, with the same body; nothing is stored.
    """
    return await changes.preview(session, auth.merchant_id, subscription_id, body, settings)


@subscriptions.post("/{subscription_id}/cancel", response_model=SubscriptionOut, responses=errors(*_CHANGING))
async def cancel_subscription(
    subscription_id: str, body: CancelRequest, auth: Auth, session: Session, settings: SettingsDep
) -> SubscriptionOut:
    """Cancel a subscription.

    Now, or at the period's end with `atPeriodEnd`; what was invoiced stands, and nothing more is billed.
    """
    return await service.cancel(session, auth.merchant_id, subscription_id, body, settings)


@subscriptions.post(
    "/{subscription_id}/uncancel",
    response_model=SubscriptionOut,
    responses=errors(*_CHANGING, NoPendingChange),
)
async def uncancel_subscription(
    subscription_id: str, auth: Auth, session: Session, settings: SettingsDep
) -> SubscriptionOut:
    """Undo a cancellation.

    Only one set for the period's end can be undone; a canceled subscription stays canceled.
    """
    return await service.uncancel(session, auth.merchant_id, subscription_id, settings)


@subscriptions.post("/{subscription_id}/pause", response_model=SubscriptionOut, responses=errors(*_CHANGING))
async def pause_subscription(
    subscription_id: str, body: PauseRequest, auth: Auth, session: Session, settings: SettingsDep
) -> SubscriptionOut:
    """Pause a subscription.

    It pauses at the period's end, bills nothing while paused, and resumes on `resumesAt` by itself
    or when resumed.
    """
    return await service.pause(session, auth.merchant_id, subscription_id, body, settings)


@subscriptions.post(
    "/{subscription_id}/resume", response_model=SubscriptionOut, responses=errors(*_CHANGING, NoPendingChange)
)
async def resume_subscription(
    subscription_id: str, auth: Auth, session: Session, settings: SettingsDep
) -> SubscriptionOut:
    """Resume a subscription.

    A paused one starts a new period today (billed at once, on its anchor day); a pause still to come
    is called off.
    """
    return await service.resume(session, auth.merchant_id, subscription_id, settings)


@histories.get("", response_model=Page[BillingOut])
async def list_billing_histories(
    auth: Auth,
    session: Session,
    paging: Paging,
    subscription_id: Annotated[str | None, Query(alias="subscriptionId", max_length=40)] = None,
    customer_id: Annotated[str | None, Query(alias="customerId", max_length=40)] = None,
) -> Page[BillingOut]:
    """List billing history.

    One row per period billed and per prorated change, newest first; a row's status follows its
    invoice. Filter by `subscriptionId` or `customerId`.
    """
    rows, cursor = await service.billings(
        session, auth.merchant_id, paging, subscription_id=subscription_id, customer_id=customer_id
    )
    return Page(data=rows, next_cursor=cursor)


@test_clocks.post("", status_code=201, response_model=TestClockOut)
async def create_test_clock(body: TestClockCreate, auth: Auth, session: Session) -> TestClockOut:
    """Create a test clock.

    Frozen at `frozenTime`; customers created with its id (`testClockId`) live on its time, and their
    invoices take the TEST series.
    """
    return await clocks.create(session, auth.merchant_id, body)


@test_clocks.get("", response_model=Page[TestClockOut])
async def list_test_clocks(auth: Auth, session: Session, paging: Paging) -> Page[TestClockOut]:
    """List test clocks.

    Newest first, with each one's status.
    """
    rows, cursor = await clocks.page(session, auth.merchant_id, paging)
    return Page(data=rows, next_cursor=cursor)


@test_clocks.get("/{clock_id}", response_model=TestClockOut, responses=errors(TestClockNotFound))
async def get_test_clock(clock_id: str, auth: Auth, session: Session) -> TestClockOut:
    """Get a test clock.

    After an advance, poll until `status` is `ready`: everything due up to `frozenTime` has run.
    """
    return await clocks.get(session, auth.merchant_id, clock_id)


@test_clocks.post(
    "/{clock_id}/advance", response_model=TestClockOut, responses=errors(TestClockNotFound, TestClockBusy)
)
async def advance_test_clock(
    clock_id: str, body: TestClockAdvance, auth: Auth, session: Session
) -> TestClockOut:
    """Advance a test clock.

    Moves it forward; renewals, grace windows and what follows them run in time order, and the clock
    is `advancing` until they have.
    """
    return await clocks.advance(session, auth.merchant_id, clock_id, body)


routers: list[APIRouter] = [subscriptions, histories, test_clocks]
