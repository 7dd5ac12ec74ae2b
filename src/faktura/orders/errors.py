"""Refusals of orders."""

from __future__ import annotations

from faktura.kit.errors import Conflict, InvalidTransition, MissingResource


class OrderNotFound(MissingResource):
    """No order with this id for this merchant."""

    code = "order_not_found"


class OrderNotDraft(Conflict):
    """Only a draft order can be changed."""

    code = "order_not_draft"


class OrderHasPayment(Conflict):
    """The order holds a payment; refund it before cancelling."""

    code = "order_has_payment"


class OrderCustomerFixed(Conflict):
    """The order has another customer already, or has ended: its customer can no longer be set."""

    code = "order_customer_fixed"


class OrderChanged(Conflict):
    """The order changed meanwhile (a concurrent request); read it and retry."""

    code = "order_changed"


class InvalidOrderTransition(InvalidTransition):
    """The order's status does not allow this move."""

    code = "invalid_order_transition"
