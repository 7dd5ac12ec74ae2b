"""FarPay's payment and send statuses of an invoice (its API docs, "Invoice paymentstates" and
"invoice-send-status"), from Faktura's invoice status and its delivery."""

from __future__ import annotations

from enum import IntEnum

from faktura.invoices.delivery.states import InvoiceDeliveryStatus
from faktura.invoices.schemas import InvoiceOut
from faktura.invoices.states import InvoiceStatus
from faktura.kit.errors import ValidationFailed


class PaymentStatus(IntEnum):
    NOT_PAID = 100
    PAID = 200
    SCHEDULED = 300
    PENDING = 400
    REJECTED = 500
    CHARGEBACK = 600
    PAYMENT_FAILED = 700
    NA = 1000


PAYMENT_STATUS_NAMES = {
    PaymentStatus.NOT_PAID: "NotPaid",
    PaymentStatus.PAID: "Paid",
    PaymentStatus.SCHEDULED: "Scheduled",
    PaymentStatus.PENDING: "Pending",
    PaymentStatus.REJECTED: "Rejected",
    PaymentStatus.CHARGEBACK: "Chargeback",
    PaymentStatus.PAYMENT_FAILED: "PaymentFailed",
    PaymentStatus.NA: "N/A",
}

# Something is still owed: NotPaid, also when part is paid or the rest is written off (FarPay has no
# state of its own for either). Faktura has no agreements (Scheduled, Pending) and no chargebacks, and a
# failed card attempt leaves the invoice as it was, so 300-700 are never shown.
_PAYMENT: dict[InvoiceStatus, PaymentStatus] = {
    InvoiceStatus.DRAFT: PaymentStatus.NA,
    InvoiceStatus.OPEN: PaymentStatus.NOT_PAID,
    InvoiceStatus.PARTIALLY_PAID: PaymentStatus.NOT_PAID,
    InvoiceStatus.UNCOLLECTIBLE: PaymentStatus.NOT_PAID,
    InvoiceStatus.PAID: PaymentStatus.PAID,
    InvoiceStatus.VOID: PaymentStatus.NA,
}


class SendStatus(IntEnum):
    QUEUE = 100
    PENDING_APPROVAL = 110
    READY_TO_PRINT = 150
    SENT = 200
    ERROR = 300
    MISSING_EMAIL_ADDRESS = 400
    NA = 1000
    NOT_SENT = 9999


SEND_STATUS_NAMES = {
    SendStatus.QUEUE: "Queue",
    SendStatus.PENDING_APPROVAL: "PendingApproval",
    SendStatus.READY_TO_PRINT: "ReadyToPrint",
    SendStatus.SENT: "Sent",
    SendStatus.ERROR: "Error",
    SendStatus.MISSING_EMAIL_ADDRESS: "MissingEmailAddress",
    SendStatus.NA: "NA",
    SendStatus.NOT_SENT: "NotSent",
}

_SEND: dict[InvoiceDeliveryStatus, SendStatus] = {
    InvoiceDeliveryStatus.PENDING: SendStatus.QUEUE,
    InvoiceDeliveryStatus.DELIVERED: SendStatus.SENT,
    # Every channel (EHF, e-mail, post) failed or none applied: halted until a person acts.
    InvoiceDeliveryStatus.NEEDS_ATTENTION: SendStatus.ERROR,
}


def payment_status(invoice: InvoiceOut) -> PaymentStatus:
    return _PAYMENT[invoice.status]


def send_status(invoice: InvoiceOut) -> SendStatus:
    """The latest sending's outcome; an invoice marked sent without a delivery is Sent; a draft is NA
    (it cannot be sent), any other invoice not sent is NotSent."""
    if invoice.delivery_status is not None:
        return _SEND[InvoiceDeliveryStatus(invoice.delivery_status)]
    if invoice.sent_at is not None:
        return SendStatus.SENT
    return SendStatus.NA if invoice.status is InvoiceStatus.DRAFT else SendStatus.NOT_SENT


def invoice_statuses(status: PaymentStatus) -> frozenset[InvoiceStatus]:
    """The invoice statuses shown as `status`."""
    return frozenset(s for s, shown in _PAYMENT.items() if shown is status)


def parse_payment_status(value: str, field: str) -> PaymentStatus:
    """FarPay's payment status by number (`200`) or name (`Paid`)."""
    for status, name in PAYMENT_STATUS_NAMES.items():
        if value.strip().lower() in (str(status.value), name.lower()):
            return status
    raise ValidationFailed.field(
        field,
        "invalid_choice",
        "PaymentStatus is one of "
        + ", ".join(f"{s.value} ({n})" for s, n in PAYMENT_STATUS_NAMES.items())
        + ".",
    )
