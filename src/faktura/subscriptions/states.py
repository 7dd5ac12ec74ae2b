"""A subscription's status: one table of the moves it may make."""

from __future__ import annotations

from enum import StrEnum

from faktura.kit.states import StateMachine
from faktura.subscriptions.errors import InvalidSubscriptionTransition


class SubscriptionStatus(StrEnum):
    SCHEDULED = "scheduled"  # starts on a later date; nothing billed yet
    TRIALING = "trialing"
    INCOMPLETE = "incomplete"  # its first payment failed or waits for the payer's authentication
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a renewal is unpaid; dunning retries and reminds
    UNPAID = "unpaid"  # dunning gave up; it keeps its periods, billing nothing more, until paid or cancelled
    PAUSED = "paused"
    CANCELED = "canceled"


S = SubscriptionStatus

SUBSCRIPTION_STATES = StateMachine(
    InvalidSubscriptionTransition,
    {
        S.SCHEDULED: frozenset({S.TRIALING, S.ACTIVE, S.INCOMPLETE, S.CANCELED}),
        S.TRIALING: frozenset({S.ACTIVE, S.INCOMPLETE, S.PAUSED, S.CANCELED}),
        S.INCOMPLETE: frozenset({S.ACTIVE, S.CANCELED}),
        S.ACTIVE: frozenset({S.PAST_DUE, S.PAUSED, S.CANCELED}),
        S.PAST_DUE: frozenset({S.ACTIVE, S.UNPAID, S.PAUSED, S.CANCELED}),
        S.UNPAID: frozenset({S.ACTIVE, S.CANCELED}),
        S.PAUSED: frozenset({S.ACTIVE, S.CANCELED}),
    },
)

# Statuses whose periods renew: a boundary coming bills the next period.
RENEWING = frozenset({S.TRIALING, S.ACTIVE, S.PAST_DUE, S.SCHEDULED})
# Statuses a merchant may still cancel, pause or change.
LIVE = frozenset(SubscriptionStatus) - {S.CANCELED}


class BillingStatus(StrEnum):
    """A billing row's status, following its invoice."""

    DRAFT = "draft"  # the invoice waits out the merchant's grace window
    OPEN = "open"  # issued, not paid yet
    PAID = "paid"
    PAST_DUE = "past_due"
    FAILED = "failed"  # the charge failed and dunning gave up
    VOID = "void"
    NOTHING_DUE = "nothing_due"  # the period cost nothing (a 100 % coupon): no invoice
    CREDITED = "credited"  # a change's credit: a credit note issued, nothing to collect
