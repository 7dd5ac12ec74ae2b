"""The FeeWise dialect's own refusals of a request: what FeeWise's fields allow but a Faktura invoice
cannot be made from. Refusals of the native services pass through with their own codes."""

from __future__ import annotations

from faktura.invoices.errors import InvoiceNotFound
from faktura.kit.errors import Conflict, ValidationFailed


class DebtorRequired(ValidationFailed):
    """A Faktura invoice names its buyer: send `debtor` (with its `external_id`, and a name for a debtor
    the firm does not have yet)."""

    code = "debtor_required"


class CurrencyRequired(ValidationFailed):
    """The firm's own currency is none of FeeWise's (AUD, CAD, USD, GBP, NZD): send `currency`."""

    code = "currency_required"


class AmountMismatch(ValidationFailed):
    """The line items' amounts do not add up to `amount`; the detail names their total."""

    code = "amount_mismatch"


class ReadOnlyField(ValidationFailed):
    """A field the invoice gets when it is made (`invoice_id`, `payment_uri`, `status`, `amount_due`,
    `payments`) was sent."""

    code = "read_only_field"


class AdjustMixedRates(Conflict):
    """The invoice's lines have more than one VAT rate, so one new amount cannot say how it splits
    between them: send the invoice again (`POST /invoices`, the same `external_id`) with its new
    `line_items`."""

    code = "adjust_mixed_rates"


class IncompatibleFilters(ValidationFailed):
    """`payment_id` is searched alone: other filters with it are a 400, as FeeWise's document says."""

    code = "incompatible_filters"


class ArtifactNotFound(InvoiceNotFound):
    """No invoice with this id for a firm the caller may act for."""
