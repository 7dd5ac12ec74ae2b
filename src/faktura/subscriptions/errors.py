"""Refusals of subscriptions and test clocks."""

from __future__ import annotations

from faktura.kit.errors import Conflict, InvalidTransition, MissingResource, ValidationFailed


class SubscriptionNotFound(MissingResource):
    """No subscription with this id for this merchant."""

    code = "subscription_not_found"


class InvalidSubscriptionTransition(InvalidTransition):
    """The subscription's status does not allow this."""

    code = "invalid_subscription_transition"


class SubscriptionEnded(Conflict):
    """The subscription is canceled: nothing about it changes any more."""

    code = "subscription_ended"


class NoPendingChange(Conflict):
    """The subscription has no scheduled change to drop, or no cancellation to undo."""

    code = "nothing_to_undo"


class TestClockNotFound(MissingResource):
    """No test clock with this id for this merchant."""

    __test__ = False
    code = "test_clock_not_found"


class TestClockBusy(Conflict):
    """The test clock is still advancing: wait until its status is `ready`."""

    __test__ = False
    code = "test_clock_advancing"


class PeriodInvoiceNotIssued(ValidationFailed):
    """The change would credit part of the period, whose invoice is still a draft in its grace window:
    make it once the invoice is issued (the message says when), or at the period's end."""

    code = "period_invoice_draft"


class CollectiveCreditRefused(ValidationFailed):
    """The change would credit part of a period billed on a collective invoice, which bills other
    subscriptions and orders too: make it at the period's end, or without proration."""

    code = "proration_credit_collective"


class NothingToCredit(ValidationFailed):
    """The change would credit part of the period, but the period's invoices have nothing left to credit
    for the items it takes away or lowers (void, credited already, or not invoiced yet): make it at the
    period's end, or without proration."""

    code = "proration_nothing_to_credit"
