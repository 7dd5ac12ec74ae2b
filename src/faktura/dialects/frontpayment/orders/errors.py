"""Refusals of Front Payment's order actions, in its terms."""

from __future__ import annotations

from faktura.kit.errors import Conflict


class OrderNotInvoicedYet(Conflict):
    """The order waits for its collective invoice: there is no invoice to send again yet."""

    code = "order_not_invoiced_yet"
