"""The machines of payment intents (DESIGN.md) and payments, and the small enums of refunds."""

from __future__ import annotations

from enum import StrEnum

from faktura.kit.states import StateMachine
from faktura.payments.errors import InvalidPaymentIntentTransition, InvalidPaymentTransition


class IntentStatus(StrEnum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_ACTION = "requires_action"  # 3-D Secure, or a bank transfer the payer still has to make
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class CaptureMethod(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class CancellationReason(StrEnum):
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    REQUESTED_BY_CUSTOMER = "requested_by_customer"
    ABANDONED = "abandoned"
    # Set by Faktura itself, never sent by a client:
    SUPERSEDED = "superseded"  # another intent paid the order or invoice
    INVOICED = "invoiced"  # a pay-later intent whose invoice was issued


FINAL = frozenset({IntentStatus.SUCCEEDED, IntentStatus.FAILED, IntentStatus.CANCELED})

# Money is with the gateway (or held by it): while one intent of an order or invoice is here, no other
# intent of it may be confirmed, so two can never both take the payer's money.
MONEY_IN_FLIGHT = frozenset({IntentStatus.PROCESSING, IntentStatus.REQUIRES_CAPTURE, IntentStatus.SUCCEEDED})

_S = IntentStatus
INTENT_STATES = StateMachine(
    InvalidPaymentIntentTransition,
    {
        # A decline leaves the intent waiting for another method: a move to where it is, announced as
        # payment_intent.payment_failed.
        _S.REQUIRES_PAYMENT_METHOD: frozenset(
            {
                _S.REQUIRES_PAYMENT_METHOD,
                _S.REQUIRES_ACTION,
                _S.PROCESSING,
                _S.REQUIRES_CAPTURE,
                _S.SUCCEEDED,
                _S.CANCELED,
            }
        ),
        # 3-D Secure failed: back to requires_payment_method, so the payer can try another card.
        _S.REQUIRES_ACTION: frozenset(
            {_S.REQUIRES_PAYMENT_METHOD, _S.PROCESSING, _S.REQUIRES_CAPTURE, _S.SUCCEEDED, _S.CANCELED}
        ),
        _S.PROCESSING: frozenset({_S.REQUIRES_CAPTURE, _S.SUCCEEDED, _S.FAILED, _S.CANCELED}),
        _S.REQUIRES_CAPTURE: frozenset({_S.SUCCEEDED, _S.CANCELED}),
    },
)


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


# Only refunds move a payment. Each refund is a move, a second partial one to where the payment is.
PAYMENT_STATES = StateMachine(
    InvalidPaymentTransition,
    {
        PaymentStatus.SUCCEEDED: frozenset({PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}),
        PaymentStatus.PARTIALLY_REFUNDED: frozenset(
            {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
        ),
    },
)


class RefundStatus(StrEnum):
    SUCCEEDED = "succeeded"
