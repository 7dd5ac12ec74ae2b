"""Refusals of FarPay's order operations, in its terms (its status names the order's state)."""

from __future__ import annotations

from faktura.kit.errors import Conflict


class OrderNotInPendingCapture(Conflict):
    """The payer has not authorized the payment yet (New), or its capture is under way (Processing)."""

    code = "order_not_pending_capture"


class InvalidStatusForCapture(Conflict):
    """The order's payment is captured already, or the order has ended: nothing to capture."""

    code = "invalid_status_for_capture"


class InvalidStatusForCancellation(Conflict):
    """Only a New, PendingCustomerNumber or PendingCapture order can be cancelled."""

    code = "invalid_status_for_cancellation"


class OrderAlreadyCancelled(Conflict):
    """The order is cancelled already."""

    code = "order_already_cancelled"
