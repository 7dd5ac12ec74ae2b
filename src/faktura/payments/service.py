"""Payment intents: create, confirm, 3-D Secure, capture, cancel, bank transfers received, abandoned.
Never commits.

Every function here can be called without HTTP (the hosted payment page does): pass the session, the
merchant and the deployment's settings (gateway secrets and the public URL come from them).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession
from stdnum import luhn

from faktura.config import Settings
from faktura.invoices import finalization
from faktura.kit import clock
from faktura.kit.errors import InvalidTransition, ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.links.service import LinkTarget, token_for
from faktura.models import PaymentIntent, PaymentMethod
from faktura.payments import announce, methods, receipts, repository, targets, transitions
from faktura.payments.errors import (
    ExternalPaymentExists,
    GatewayNotBankTransfer,
    GatewayNotConfirmable,
    GatewayNotFound,
    InvalidPaymentIntentTransition,
    PaymentIntentNotFound,
)
from faktura.payments.gateways import gateway_info, get_gateway
from faktura.payments.gateways.base import (
    CallbackEvent,
    Charge,
    Decline,
    GatewayInfo,
    GatewayKind,
    Outcome,
    Payee,
)
from faktura.payments.schemas import IntentCreate, IntentOut
from faktura.payments.states import (
    FINAL,
    INTENT_STATES,
    CancellationReason,
    CaptureMethod,
    IntentStatus,
)
from faktura.payments.targets import Target
from faktura.payments.views import intent_out, intents_out

_S = IntentStatus
# An intent waiting for its payer with no change for this long is canceled as abandoned.
ABANDONED_AFTER = timedelta(hours=24)


async def create(
    session: AsyncSession, merchant_id: str, data: IntentCreate, *, settings: Settings
) -> IntentOut:
    """An intent for an order or an invoice; with a paymentMethodToken it is confirmed at once."""
    info = _known_gateway(data.gateway)
    if data.capture_method is CaptureMethod.MANUAL and not info.manual_capture:
        raise ValidationFailed.field(
            "captureMethod", "capture_method_unsupported", f"The {info.id} gateway captures no card payments."
        )
    if data.payment_method_token is not None and not info.takes_payment_method:
        raise ValidationFailed.field(
            "paymentMethodToken",
            "payment_method_not_accepted",
            f"The {info.id} gateway takes no payment method.",
        )
    if data.setup_future_usage is not None and not info.takes_payment_method:
        raise ValidationFailed.field(
            "setupFutureUsage", "setup_future_usage_unsupported", f"The {info.id} gateway saves no card."
        )
    if data.external_id is not None:
        if data.invoice_id is None:
            raise ValidationFailed.field(
                "externalId", "not_allowed", "An externalId names a payment of an invoice."
            )
        found = await repository.intent_by_external_id(
            session, merchant_id, data.invoice_id, data.external_id
        )
        if found is not None:
            raise ExternalPaymentExists(
                f"Payment intent {found.id} of invoice {data.invoice_id} has externalId '{data.external_id}'."
            )
    target = await targets.for_new_intent(
        session,
        merchant_id,
        order_id=data.order_id,
        invoice_id=data.invoice_id,
        amount=data.amount,
        currency=data.currency,
    )
    if info.kind is GatewayKind.INVOICE:
        _check_pay_later(target)
    if data.setup_future_usage is not None and target.customer_id is None:
        raise ValidationFailed.field(
            "setupFutureUsage",
            "customer_required",
            "A card is saved for a customer: the order or invoice needs one.",
        )
    now = clock.now()
    intent_id = new_id("pi")
    intent = PaymentIntent(
        id=intent_id,
        merchant_id=merchant_id,
        order_id=data.order_id,
        invoice_id=data.invoice_id,
        customer_id=target.customer_id,
        gateway=info.id,
        status=_S.REQUIRES_PAYMENT_METHOD.value,
        capture_method=data.capture_method.value,
        amount=data.amount,
        currency=data.currency.upper(),
        amount_capturable=0,
        amount_received=0,
        amount_refunded=0,
        client_secret=f"{intent_id}_secret_{secrets.token_urlsafe(18)}",
        return_url=data.return_url,
        cancel_url=data.cancel_url,
        payment_reference=_payment_reference(target) if info.kind is GatewayKind.BANK_TRANSFER else None,
        metadata_=data.metadata or {},
        external_id=data.external_id,
        setup_future_usage=data.setup_future_usage,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(intent)
    await session.flush()
    token = await token_for(session, merchant_id, LinkTarget.PAYMENT_INTENT, intent.id)
    created = intent_out(intent, public_url=settings.public_url, token=token, refunds=[])
    await announce.intent_event(session, merchant_id, created, "payment_intent.created")
    name, bank_account = await repository.payee(session, merchant_id)
    started = await get_gateway(info.id, settings).begin(intent, Payee(name=name, bank_account=bank_account))
    if started is not None:
        await _apply(session, intent, started, target)
    if data.payment_method_token is not None:
        return await confirm(session, merchant_id, intent.id, data.payment_method_token, settings=settings)
    return await view(session, intent, settings)


async def confirm(
    session: AsyncSession,
    merchant_id: str,
    intent_id: str,
    payment_method_token: str,
    *,
    settings: Settings,
    return_url: str | None = None,
) -> IntentOut:
    """Charge a tokenized payment method. A decline leaves the intent waiting for another method, with
    `lastError` saying why; 3-D Secure leaves it in requires_action with a redirect. With
    setupFutureUsage the card is saved once the payment succeeds."""
    extra: dict[str, object] = {"payment_method_id": None}
    if return_url is not None:
        extra["return_url"] = return_url
    return await _charge(session, merchant_id, intent_id, payment_method_token, settings, extra)


async def charge_saved(
    session: AsyncSession, merchant_id: str, intent_id: str, method: PaymentMethod, *, settings: Settings
) -> IntentOut:
    """Charge a saved card without the payer (`payments.off_session`); the outcomes are confirm's."""
    extra: dict[str, object] = {"payment_method_id": method.id}
    return await _charge(session, merchant_id, intent_id, method.token, settings, extra, off_session=True)


async def _charge(
    session: AsyncSession,
    merchant_id: str,
    intent_id: str,
    token: str,
    settings: Settings,
    extra: dict[str, object],
    *,
    off_session: bool = False,
) -> IntentOut:
    intent = await _get(session, merchant_id, intent_id)
    info = gateway_info(intent.gateway)
    if not info.takes_payment_method:
        raise GatewayNotConfirmable(f"A {info.id} payment intent is not confirmed with a payment method.")
    _expect(intent, "confirmed", _S.REQUIRES_PAYMENT_METHOD)
    target = await targets.lock_for_payment(session, intent)
    intent = await _relock(session, intent, "confirmed", _S.REQUIRES_PAYMENT_METHOD)
    gateway = get_gateway(intent.gateway, settings)
    if intent.setup_future_usage is not None and not off_session:
        # Asked of the gateway now, while the payer's token is at hand: 3-D Secure may come between.
        extra["card_to_save"] = gateway.save_card(token).token
    charge = await gateway.charge(
        intent, token, capture=intent.capture_method == CaptureMethod.AUTOMATIC, off_session=off_session
    )
    await _apply(session, intent, charge, target, **extra)
    return await view(session, intent, settings)


async def complete_3ds(
    session: AsyncSession, merchant_id: str, intent_id: str, approved: bool, *, settings: Settings
) -> IntentOut:
    """The payer answered the 3-D Secure challenge: on approval the charge goes through (or is held for a
    manual capture); on failure the intent waits for another payment method."""
    intent = await _get(session, merchant_id, intent_id)
    if not _awaits_3ds(intent):
        raise _cannot(intent, "authenticated")
    target = await targets.lock_for_payment(session, intent)
    intent = await _relock(session, intent, "authenticated", _S.REQUIRES_ACTION)
    if not _awaits_3ds(intent):
        raise _cannot(intent, "authenticated")
    charge = await get_gateway(intent.gateway, settings).authenticate(intent, approved=approved)
    await _apply(session, intent, charge, target)
    return await view(session, intent, settings)


async def capture(
    session: AsyncSession, merchant_id: str, intent_id: str, amount: int | None = None, *, settings: Settings
) -> IntentOut:
    """Take all or part of an authorized amount; what is not captured is released."""
    intent = await _get(session, merchant_id, intent_id)
    _expect(intent, "captured", _S.REQUIRES_CAPTURE)
    target = await targets.lock_for_payment(session, intent)
    intent = await _relock(session, intent, "captured", _S.REQUIRES_CAPTURE)
    amount = intent.amount_capturable if amount is None else amount
    if amount > intent.amount_capturable:
        raise ValidationFailed.field(
            "amountToCapture",
            "capture_exceeds_authorized",
            f"At most {intent.amount_capturable} can be captured.",
        )
    await get_gateway(intent.gateway, settings).capture(intent, amount)
    await _succeed(session, intent, target, amount)
    return await view(session, intent, settings)


async def mark_received(
    session: AsyncSession, merchant_id: str, intent_id: str, amount: int, *, settings: Settings
) -> IntentOut:
    """The merchant saw the bank transfer arrive: the intent succeeds and the money is booked.

    For an invoice the amount is what arrived, whatever it is: less pays it in part, more leaves the
    customer credit. An order is paid once and whole, so its transfer must match.
    """
    intent = await _get(session, merchant_id, intent_id)
    if gateway_info(intent.gateway).kind is not GatewayKind.BANK_TRANSFER:
        raise GatewayNotBankTransfer(
            f"Only a bank transfer is marked as received; this intent uses {intent.gateway}."
        )
    _expect(intent, "marked as received", _S.REQUIRES_ACTION)
    if intent.order_id is not None and amount != intent.amount:
        raise ValidationFailed.field(
            "amount", "amount_mismatch", f"The intent is for {intent.amount}; {amount} cannot pay the order."
        )
    target = await targets.lock_for_payment(session, intent)
    intent = await _relock(session, intent, "marked as received", _S.REQUIRES_ACTION)
    await _succeed(session, intent, target, amount)
    return await view(session, intent, settings)


async def cancel(
    session: AsyncSession,
    merchant_id: str,
    intent_id: str,
    reason: CancellationReason | None = None,
    *,
    settings: Settings,
) -> IntentOut:
    """Cancel an intent that has not ended; a held authorization is released."""
    intent = await _get(session, merchant_id, intent_id)
    INTENT_STATES.check(_S(intent.status), _S.CANCELED)  # before the gateway hears of it
    await targets.lock_for_payment(session, intent, strict=False)
    intent = await _relock(session, intent, "canceled", *(set(_S) - FINAL))
    status = _S(intent.status)
    if status in (_S.PROCESSING, _S.REQUIRES_CAPTURE):
        await get_gateway(intent.gateway, settings).void(intent)
    await transitions.transition_intent(
        session,
        intent,
        _S.CANCELED,
        cancellation_reason=reason.value if reason else None,
        canceled_at=clock.now(),
        amount_capturable=0,
        next_action=None,
        card_to_save=None,
    )
    return await view(session, intent, settings)


async def intents(
    session: AsyncSession, merchant_id: str, intent_ids: list[str], *, settings: Settings
) -> list[IntentOut]:
    """The merchant's intents of `intent_ids` (those it has), in no particular order."""
    return await views_of(
        session, await repository.intents_by_ids(session, merchant_id, intent_ids), settings
    )


async def get(session: AsyncSession, merchant_id: str, intent_id: str, *, settings: Settings) -> IntentOut:
    return await view(session, await _get(session, merchant_id, intent_id), settings)


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    settings: Settings,
    status: str | None = None,
    order_id: str | None = None,
    invoice_id: str | None = None,
) -> tuple[list[IntentOut], str | None]:
    rows, cursor = await repository.page_intents(
        session, merchant_id, params, status=status, order_id=order_id, invoice_id=invoice_id
    )
    return await views_of(session, rows, settings), cursor


async def intent_statuses_of_orders(
    session: AsyncSession, merchant_id: str, order_ids: list[str]
) -> dict[str, list[IntentStatus]]:
    """Order id -> the statuses of its intents (none: an empty list), read at once for a listing."""
    statuses: dict[str, list[IntentStatus]] = {order_id: [] for order_id in order_ids}
    if order_ids:
        for order_id, status in await repository.intent_statuses_of_orders(session, merchant_id, order_ids):
            statuses[order_id].append(IntentStatus(status))
    return statuses


@finalization.on_order_invoiced
async def invoice_issued(session: AsyncSession, merchant_id: str, order_id: str) -> int:
    """The order's invoice was issued: its pay-later intents have done their job and end as canceled
    (`invoiced`); the invoice itself is now what the payer pays. Returns how many ended."""
    return await transitions.cancel_waiting(
        session, merchant_id, CancellationReason.INVOICED, order_id=order_id
    )


async def abandoned_intents(session: AsyncSession, limit: int) -> list[tuple[str, str]]:
    """(merchant id, intent id) of intents their payer abandoned, across merchants (see `abandoned`)."""
    return await repository.abandoned_intents(session, clock.now() - ABANDONED_AFTER, limit)


async def abandon(session: AsyncSession, merchant_id: str, intent_id: str, *, settings: Settings) -> bool:
    """Cancel an intent as `abandoned` if it still is; False when it is not."""
    intent = await repository.get_intent(session, merchant_id, intent_id)
    if intent is None:
        return False
    # Lock the order or invoice first, as every payment does, then look again: the payer may have
    # acted since the intent was found.
    await targets.lock_for_payment(session, intent, strict=False)
    intent = await repository.get_intent(session, merchant_id, intent_id)
    if intent is None or not abandoned(intent, clock.now() - ABANDONED_AFTER):
        return False
    await cancel(session, merchant_id, intent_id, CancellationReason.ABANDONED, settings=settings)
    return True


def abandoned(intent: PaymentIntent, before: datetime) -> bool:
    """Waiting for a payment method, or for the payer's 3-D Secure, with no change since `before`. A bank
    transfer waiting for the payer's money is not abandoned: it ends with its order, or when its invoice
    is paid."""
    if intent.updated_at >= before:
        return False
    if intent.status == _S.REQUIRES_PAYMENT_METHOD:
        return True
    return (
        intent.status == _S.REQUIRES_ACTION
        and gateway_info(intent.gateway).kind is not GatewayKind.BANK_TRANSFER
    )


async def settle_from_gateway(session: AsyncSession, intent: PaymentIntent, event: CallbackEvent) -> bool:
    """A processing intent's result arrived from its gateway; False when the intent no longer waits for one.

    The money has moved (or not) at the gateway already, so nothing refuses it: a success is recorded
    even if the order was cancelled meanwhile, and the merchant refunds it.
    """
    if intent.status != _S.PROCESSING or event.outcome is None:
        return False
    target = await targets.lock_for_payment(session, intent, strict=False)
    locked = await repository.get_intent(session, intent.merchant_id, intent.id, lock=True)
    assert locked is not None
    if locked.status != _S.PROCESSING:
        return False
    if event.outcome is Outcome.DECLINED:
        decline = event.decline or Decline("card_declined", "The card was declined.")
        await transitions.transition_intent(
            session, locked, _S.FAILED, last_error=decline.as_dict(), next_action=None, card_to_save=None
        )
    elif locked.capture_method == CaptureMethod.MANUAL:
        await transitions.transition_intent(
            session, locked, _S.REQUIRES_CAPTURE, amount_capturable=locked.amount
        )
    else:
        await _succeed(session, locked, target, locked.amount)
    return True


async def view(session: AsyncSession, intent: PaymentIntent, settings: Settings) -> IntentOut:
    return (await views_of(session, [intent], settings))[0]


async def views_of(
    session: AsyncSession, intents: list[PaymentIntent], settings: Settings
) -> list[IntentOut]:
    return await intents_out(session, intents, public_url=settings.public_url)


# -- moving an intent ----------------------------------------------------------------------------------


async def _apply(
    session: AsyncSession, intent: PaymentIntent, charge: Charge, target: Target, **extra: object
) -> None:
    """Record what the gateway answered."""
    details: dict[str, object] = {"gateway_reference": charge.reference or intent.gateway_reference, **extra}
    if charge.payment_method is not None:
        details["payment_method"] = charge.payment_method
    outcome = charge.outcome
    if outcome is Outcome.SUCCEEDED:
        await _succeed(session, intent, target, intent.amount, **details)
        return
    details["next_action"] = charge.next_action
    details["last_error"] = None
    if outcome is Outcome.DECLINED:
        assert charge.decline is not None
        await transitions.transition_intent(
            session,
            intent,
            _S.REQUIRES_PAYMENT_METHOD,
            **(details | {"last_error": charge.decline.as_dict(), "card_to_save": None}),
        )
    elif outcome is Outcome.REQUIRES_ACTION:
        await transitions.transition_intent(session, intent, _S.REQUIRES_ACTION, **details)
    elif outcome is Outcome.PROCESSING:
        await transitions.transition_intent(session, intent, _S.PROCESSING, **details)
    else:
        await transitions.transition_intent(
            session, intent, _S.REQUIRES_CAPTURE, amount_capturable=intent.amount, **details
        )


async def _succeed(
    session: AsyncSession, intent: PaymentIntent, target: Target, amount: int, **details: object
) -> None:
    card_to_save = details.get("card_to_save", intent.card_to_save)
    if isinstance(card_to_save, str):
        card = cast(dict[str, Any], details.get("payment_method") or intent.payment_method)
        details["payment_method_id"] = await methods.save(session, intent, card_to_save, card)
        details["card_to_save"] = None
    await transitions.transition_intent(
        session,
        intent,
        _S.SUCCEEDED,
        amount_received=amount,
        amount_capturable=0,
        succeeded_at=clock.now(),
        next_action=None,
        last_error=None,
        **details,
    )
    await receipts.record(session, intent, target, amount)


# -- reading and checking ------------------------------------------------------------------------------


async def _get(session: AsyncSession, merchant_id: str, intent_id: str) -> PaymentIntent:
    intent = await repository.get_intent(session, merchant_id, intent_id)
    if intent is None:
        raise PaymentIntentNotFound(intent_id)
    return intent


async def _relock(
    session: AsyncSession, intent: PaymentIntent, verb: str, *allowed: IntentStatus
) -> PaymentIntent:
    """The intent read again under its row lock, after its order or invoice was locked: a request that
    waited for the lock sees what the one before it did."""
    locked = await repository.get_intent(session, intent.merchant_id, intent.id, lock=True)
    assert locked is not None
    _expect(locked, verb, *allowed)
    return locked


def _expect(intent: PaymentIntent, verb: str, *allowed: IntentStatus) -> None:
    if _S(intent.status) not in allowed:
        raise _cannot(intent, verb)


def _cannot(intent: PaymentIntent, verb: str) -> InvalidTransition:
    return InvalidPaymentIntentTransition(
        f"Payment intent {intent.id} is {intent.status}; it cannot be {verb}."
    )


def _awaits_3ds(intent: PaymentIntent) -> bool:
    return intent.status == _S.REQUIRES_ACTION and (intent.next_action or {}).get("type") == "redirect_to_url"


def _known_gateway(gateway_id: str) -> GatewayInfo:
    try:
        return gateway_info(gateway_id)
    except GatewayNotFound as exc:
        raise ValidationFailed.field(
            "gateway", "gateway_unknown", f"No gateway '{gateway_id}'; see GET /api/v1/PaymentGateways."
        ) from exc


def _check_pay_later(target: Target) -> None:
    if target.order is None:
        raise ValidationFailed.field(
            "gateway",
            "gateway_not_applicable",
            "Pay later by invoice is for orders; an invoice is paid by now.",
        )
    if target.order.customer_id is None:
        raise ValidationFailed.field(
            "gateway", "customer_required", "Pay later needs an order with a customer to invoice."
        )


def _payment_reference(target: Target) -> str:
    """The invoice's KID, or a KID made for the order: its digits, then a MOD10 (Luhn) check digit."""
    if target.invoice is not None and target.invoice.payment_reference:
        return target.invoice.payment_reference
    source = target.order.id if target.order is not None else target.invoice.id  # type: ignore[union-attr]
    base = str(int.from_bytes(hashlib.sha256(source.encode()).digest()[:8], "big") % 10**14).zfill(14)
    return base + luhn.calc_check_digit(base)
