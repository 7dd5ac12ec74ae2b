"""Refusals of subscriptions and test clocks."""

from __future__ import annotations

from faktura.kit.errors import Conflict, InvalidTransition, MissingResource


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
