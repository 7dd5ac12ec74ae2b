"""Refusals of payment intents, payments, refunds and gateway callbacks."""

from __future__ import annotations

from faktura.kit.errors import (
    BadRequest,
    Conflict,
    InvalidTransition,
    MissingResource,
    NotFound,
    Unauthorized,
)


class PaymentIntentNotFound(MissingResource):
    """No payment intent with this id for this merchant."""

    code = "payment_intent_not_found"


class PaymentNotFound(MissingResource):
    """No payment with this id for this merchant."""

    code = "payment_not_found"


class RefundNotFound(MissingResource):
    """No refund with this id for this merchant."""

    code = "refund_not_found"


class GatewayNotFound(MissingResource):
    """No payment gateway with this id."""

    code = "gateway_not_found"


class InvalidPaymentIntentTransition(InvalidTransition):
    """The payment intent's status does not allow this move."""

    code = "invalid_payment_intent_transition"


class PaymentIntentChanged(Conflict):
    """The payment intent changed meanwhile (a concurrent request); read it and retry."""

    code = "payment_intent_changed"


class InvalidPaymentTransition(InvalidTransition):
    """The payment's status does not allow this move."""

    code = "invalid_payment_transition"


class PaymentChanged(Conflict):
    """The payment changed meanwhile (a concurrent refund); read it and retry."""

    code = "payment_changed"


class GatewayNotConfirmable(Conflict):
    """This gateway's intents are not confirmed with a payment method."""

    code = "gateway_not_confirmable"


class GatewayNotBankTransfer(Conflict):
    """Only a bank transfer intent is marked as received."""

    code = "gateway_not_bank_transfer"


class OrderExpired(Conflict):
    """The order's quote has expired."""

    code = "order_expired"


class OrderAlreadyPaid(Conflict):
    """The order is paid already."""

    code = "order_already_paid"


class OrderNotPayable(Conflict):
    """Only a draft or open order can be paid."""

    code = "order_not_payable"


class InvoiceAlreadyPaid(Conflict):
    """The invoice is paid already."""

    code = "invoice_already_paid"


class InvoiceNotPayable(Conflict):
    """The invoice is void or written off; nothing is collected for it."""

    code = "invoice_not_payable"


class InvoiceAmountDueChanged(Conflict):
    """What the invoice has due changed since the intent was made; cancel it and make a new one."""

    code = "invoice_amount_due_changed"


class ExternalPaymentExists(Conflict):
    """The invoice has a payment with this externalId already."""

    code = "external_payment_exists"


class PaymentInProgress(Conflict):
    """Another payment intent of the same order or invoice is under way; it must end first."""

    code = "payment_in_progress"


class PaymentIntentNotRefundable(Conflict):
    """Only a succeeded payment can be refunded."""

    code = "payment_intent_not_refundable"


class PaymentFullyRefunded(Conflict):
    """The payment is refunded in full already."""

    code = "payment_fully_refunded"


class InvoiceNotRefundable(Conflict):
    """Nothing refundable was paid on the invoice: it is a draft, unpaid, or paid only by credit or by a
    gateway that does not refund."""

    code = "invoice_not_refundable"


class RefundNotPossible(Conflict):
    """Part of the payment was used as the customer's credit on other invoices and cannot be refunded."""

    code = "refund_not_possible"


class SignatureMissing(BadRequest):
    """The callback carries no signature header."""

    code = "signature_missing"


class SignatureMalformed(BadRequest):
    """The signature header is not `t=<unix seconds>,v1=<hex signature>`."""

    code = "signature_malformed"


class SignatureInvalid(Unauthorized):
    """The callback's signature does not match its body."""

    code = "signature_invalid"


class TimestampOutsideTolerance(BadRequest):
    """The callback's timestamp is too far from the server's clock; a replay is refused."""

    code = "timestamp_outside_tolerance"


class CallbackMalformed(BadRequest):
    """The callback's body is not an event this gateway sends."""

    code = "callback_malformed"


class GatewayHasNoCallbacks(NotFound):
    """This gateway sends no callbacks."""

    code = "gateway_has_no_callbacks"


class PaymentMethodNotFound(MissingResource):
    """No saved payment method with this id for this merchant."""

    code = "payment_method_not_found"


class PaymentMethodDetached(Conflict):
    """The payment method is detached already; it is never charged again."""

    code = "payment_method_detached"


class PaymentMethodNotOfCustomer(Conflict):
    """The payment method belongs to another customer than the invoice's."""

    code = "payment_method_not_of_customer"
