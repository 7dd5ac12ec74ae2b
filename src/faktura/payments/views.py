"""Build the API's payment intents, refunds and gateways from stored rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.links.service import LinkTarget, page_url, tokens_of
from faktura.models import Payment, PaymentIntent, PaymentMethod, Refund
from faktura.payments import repository
from faktura.payments.gateways.base import GatewayInfo
from faktura.payments.schemas import (
    BankTransfer,
    CardOut,
    ErrorOut,
    GatewayCapabilities,
    GatewayOut,
    IntentOut,
    NextAction,
    PaymentMethodOut,
    PaymentOut,
    RedirectToUrl,
    RefundOut,
)
from faktura.payments.states import CaptureMethod, IntentStatus, PaymentStatus, RefundStatus


def three_d_secure_url(public_url: str, token: str | None) -> str | None:
    """The test gateway's 3-D Secure challenge page of an intent, served by the hosted pages."""
    return f"{public_url.rstrip('/')}/pay/3ds/{token}" if token else None


def gateway_out(info: GatewayInfo) -> GatewayOut:
    return GatewayOut(
        id=info.id,
        name=info.name,
        type=info.kind.value,
        description=info.description,
        takes_payment_method=info.takes_payment_method,
        capabilities=GatewayCapabilities(
            manual_capture=info.manual_capture,
            refunds=info.refunds,
            three_d_secure=info.three_d_secure,
            callbacks=info.callbacks,
        ),
    )


def payment_method_out(method: PaymentMethod) -> PaymentMethodOut:
    return PaymentMethodOut(
        id=method.id,
        type="card",
        customer_id=method.customer_id,
        gateway=method.gateway,
        brand=method.brand,
        last4=method.last4,
        exp_month=method.exp_month,
        exp_year=method.exp_year,
        created_at=method.created_at,
        detached_at=method.detached_at,
    )


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id,
        payment_intent_id=refund.payment_intent_id,
        payment_id=refund.payment_id,
        amount=refund.amount,
        currency=refund.currency,
        status=RefundStatus(refund.status),
        reason=refund.reason,
        created_at=refund.created_at,
    )


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        status=PaymentStatus(payment.status),
        payment_intent_id=payment.payment_intent_id,
        order_id=payment.order_id,
        customer_id=payment.customer_id,
        gateway=payment.gateway,
        amount=payment.amount,
        currency=payment.currency,
        amount_applied=payment.amount_applied,
        amount_refunded=payment.amount_refunded,
        received_at=payment.received_at,
        created_at=payment.created_at,
        updated_at=payment.updated_at,
    )


async def intents_out(
    session: AsyncSession, intents: list[PaymentIntent], *, public_url: str
) -> list[IntentOut]:
    """The API's intents, with their page tokens and refunds read in one query each."""
    ids = [i.id for i in intents]
    tokens = await tokens_of(session, LinkTarget.PAYMENT_INTENT, list(dict.fromkeys(ids)))
    refunds = await repository.refunds_of(session, ids)
    return [
        intent_out(i, public_url=public_url, token=tokens.get(i.id), refunds=refunds[i.id]) for i in intents
    ]


def _next_action(intent: PaymentIntent, public_url: str, token: str | None) -> NextAction | None:
    stored: dict[str, Any] | None = intent.next_action
    if not stored:
        return None
    kind = stored.get("type")
    if kind == "redirect_to_url" and token:
        return NextAction(
            type="redirect_to_url",
            redirect_to_url=RedirectToUrl(
                url=three_d_secure_url(public_url, token), return_url=intent.return_url
            ),
        )
    if kind == "bank_transfer":
        return NextAction(
            type="bank_transfer", bank_transfer=BankTransfer.model_validate(stored["bankTransfer"])
        )
    return NextAction(type="invoice")


def intent_out(
    intent: PaymentIntent, *, public_url: str, token: str | None, refunds: list[Refund]
) -> IntentOut:
    error = intent.last_error
    method = intent.payment_method
    return IntentOut(
        id=intent.id,
        status=IntentStatus(intent.status),
        amount=intent.amount,
        currency=intent.currency,
        gateway=intent.gateway,
        capture_method=CaptureMethod(intent.capture_method),
        order_id=intent.order_id,
        invoice_id=intent.invoice_id,
        customer_id=intent.customer_id,
        client_secret=intent.client_secret,
        payment_url=page_url(public_url, token),
        return_url=intent.return_url,
        cancel_url=intent.cancel_url,
        next_action=_next_action(intent, public_url, token),
        last_error=ErrorOut(code=error["code"], message=error["message"]) if error else None,
        payment_method=CardOut.model_validate(method) if method else None,
        setup_future_usage="off_session" if intent.setup_future_usage else None,
        payment_method_id=intent.payment_method_id,
        payment_reference=intent.payment_reference,
        gateway_reference=intent.gateway_reference,
        amount_capturable=intent.amount_capturable,
        amount_received=intent.amount_received,
        amount_refunded=intent.amount_refunded,
        cancellation_reason=intent.cancellation_reason,
        canceled_at=intent.canceled_at,
        succeeded_at=intent.succeeded_at,
        refunds=[refund_out(r) for r in refunds],
        metadata=intent.metadata_ or {},
        external_id=intent.external_id,
        created_at=intent.created_at,
        updated_at=intent.updated_at,
    )
