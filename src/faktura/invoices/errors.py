"""Refusals of invoices and credit notes."""

from __future__ import annotations

from faktura.kit.errors import Conflict, InvalidTransition, MissingResource, ValidationFailed


class InvoiceNotFound(MissingResource):
    """No invoice with this id for this merchant."""

    code = "invoice_not_found"


class CreditNoteNotFound(MissingResource):
    """No credit note with this id for this merchant."""

    code = "credit_note_not_found"


class InvoiceNotDraft(Conflict):
    """Only a draft invoice can be changed, deleted or finalized."""

    code = "invoice_not_draft"


class InvoiceNotFinalized(Conflict):
    """The invoice is a draft; finalize it first."""

    code = "invoice_not_finalized"


class InvoiceNotSendable(Conflict):
    """A void invoice is not sent."""

    code = "invoice_not_sendable"


class InvoiceNotVoidable(Conflict):
    """The invoice has payments or credit notes; issue a credit note instead of voiding it."""

    code = "invoice_not_voidable"


class InvoiceExternalIdTaken(Conflict):
    """Another invoice of the merchant has this externalId."""

    code = "invoice_external_id_taken"


class InvoiceNotRevisable(Conflict):
    """Only an open invoice nothing has paid or credited is revised; correct it with a credit note."""

    code = "invoice_has_payments"


class InvoiceNotCreditable(Conflict):
    """Only a finalized invoice that is not void can be credited."""

    code = "invoice_not_creditable"


class InvoiceFullyCredited(Conflict):
    """Credit notes cover the whole invoice already."""

    code = "invoice_fully_credited"


class InvalidInvoiceTransition(InvalidTransition):
    """The invoice's status does not allow this move."""

    code = "invalid_invoice_transition"


class InvoiceChanged(Conflict):
    """The invoice changed meanwhile (a concurrent request); read it and retry."""

    code = "invoice_changed"


class OrderAlreadyInvoiced(Conflict):
    """Another invoice was made from this order."""

    code = "order_already_invoiced"


class OrderNotInvoiceable(Conflict):
    """Only a draft, open or paid order can be invoiced."""

    code = "order_not_invoiceable"


class PaymentExhausted(Conflict):
    """The payment has less left to apply than asked."""

    code = "payment_exhausted"


class CurrencyMismatch(Conflict):
    """The payment and the invoice are in different currencies."""

    code = "currency_mismatch"


class KidLengthExceeded(Conflict):
    """The invoice number and check digit no longer fit the merchant's `kidLength`."""

    code = "kid_length_exceeded"


class CaptureAmountMismatch(ValidationFailed):
    """The amount a FarPay extension says to capture is not what the order holds."""

    code = "capture_amount_mismatch"
