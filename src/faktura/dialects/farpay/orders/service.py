"""FarPay's order operations, translated onto Faktura's orders, payment intents, refunds and customers.

No rule lives here: prices, VAT, states, captures and refunds are the services'. This module says which
service call a FarPay request is, keeps what FarPay echoes back (ExternalID, its URLs, Lang) in the
order's metadata under `farpay.*`, and shows the result as FarPay's order.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.customers import service as customers
from faktura.customers.errors import CustomerNotFound
from faktura.customers.schemas import CustomerCreate
from faktura.dialects.farpay.orders.errors import (
    InvalidStatusForCancellation,
    InvalidStatusForCapture,
    OrderAlreadyCancelled,
    OrderNotInPendingCapture,
)
from faktura.dialects.farpay.orders.schemas import (
    CustomerIn,
    CustomerOut,
    OrderCustomerIn,
    OrderIn,
    OrderOut,
    PaymentOut,
)
from faktura.dialects.farpay.states import ORDER_STATUSES, FarPayOrderStatus, farpay_status
from faktura.dialects.farpay.webhooks import order_callback
from faktura.kit.currencies import from_minor, to_minor
from faktura.kit.errors import ValidationFailed
from faktura.kit.pagination import MAX_LIMIT, PageParams
from faktura.kit.validation import Collector, fields_renamed
from faktura.orders import schemas as native
from faktura.orders import service as orders
from faktura.payments import refunds
from faktura.payments import service as payments
from faktura.payments.gateways import CARD_GATEWAY
from faktura.payments.schemas import MAX_AMOUNT, IntentCreate, RefundCreate
from faktura.payments.states import CancellationReason, CaptureMethod, IntentStatus

# FarPay's payment types; Faktura's payer's page takes cards only.
PAYMENT_TYPES = frozenset({"bs", "ls", "mp", "card"})
# FarPay's languages -> the order's. The payer's page has no Faroese; Faroese readers read Danish.
LANGUAGES = {"en": "en", "da": "da", "fo": "da"}

# The order's metadata keys of what FarPay shows and Faktura's order has no field for.
EXTERNAL_ID = "farpay.ExternalID"
ACCEPT_URL = "farpay.AcceptUrl"
CANCEL_URL = "farpay.CancelUrl"
CALLBACK_URL = "farpay.CallbackUrl"
LANG = "farpay.Lang"
PAYMENT_TYPES_KEY = "farpay.PaymentTypes"
REFERENCE = "farpay.Reference"
AUTO_CAPTURE = "farpay.AutoCapture"

# Where a service's field is in FarPay's body.
_FIELDS = {
    "currency": "Payment.Currency",
    "amount": "Payment.Amount",
    "items[0].unitPrice": "Payment.Amount",
    "items[0].description": "Payment.Description",
    "description": "Payment.Description",
    "language": "Lang",
    "customerId": "Customer.CustomerNumber",
    "externalId": "Customer.CustomerNumber",
    "name": "Customer.CustomerName",
    "email": "Customer.CustomerEmail",
    "returnUrl": "AcceptUrl",
    "cancelUrl": "CancelUrl",
}


async def create(session: AsyncSession, merchant_id: str, body: OrderIn, *, settings: Settings) -> OrderOut:
    """An order of one line, the payment, and its card intent, which the payer's page confirms."""
    _check_supported(body)
    payment = body.payment
    currency = payment.currency.upper()
    amount = to_minor(payment.amount, currency, "Payment.Amount")
    if amount <= 0:
        raise ValidationFailed.field(
            "Payment.Amount",
            "invalid_amount",
            f"Payment amount cannot be zero or negative. Amount listed: {payment.amount}",
        )
    if amount >= MAX_AMOUNT:
        # Below it the amount has at most 15 digits, which its JSON number (a double) keeps exactly.
        raise ValidationFailed.field(
            "Payment.Amount",
            "too_large",
            f"Payment amount must be below {from_minor(MAX_AMOUNT, currency)}.",
        )
    customer_id = await _customer_id(session, merchant_id, body.customer) if body.customer else None
    with fields_renamed(_FIELDS):
        order = await orders.create(
            session,
            merchant_id,
            native.OrderCreate(
                currency=currency,
                # The amount is what the payer pays; its VAT is the invoice's (docs/decisions.md).
                prices_include_tax=True,
                items=[
                    native.OrderItemIn(description=_line_text(body), unit_price=amount, tax_rate=Decimal(0))
                ],
                customer_id=customer_id,
                description=payment.description,
                language=LANGUAGES[body.lang] if body.lang else None,
                metadata=_kept(body),
            ),
        )
        await payments.create(
            session,
            merchant_id,
            IntentCreate(
                order_id=order.id,
                amount=amount,
                currency=currency,
                gateway=CARD_GATEWAY,
                capture_method=CaptureMethod.AUTOMATIC if payment.auto_capture else CaptureMethod.MANUAL,
                return_url=body.accept_url,
                cancel_url=body.cancel_url,
            ),
            settings=settings,
        )
    if body.callback_url is not None:
        await order_callback(session, settings, merchant_id, order.id, str(body.callback_url))
    return await _shown(session, merchant_id, await orders.get(session, merchant_id, order.id))


async def get(session: AsyncSession, merchant_id: str, token: str) -> OrderOut:
    return await _shown(session, merchant_id, await orders.by_token(session, merchant_id, token))


async def listed(
    session: AsyncSession, merchant_id: str, status: FarPayOrderStatus | None, params: PageParams
) -> tuple[list[OrderOut], str | None]:
    """One page of the merchant's orders, newest first (`params.limit` read, those in `status` shown), and
    the cursor of the next page, if there is one."""
    wanted = ORDER_STATUSES[status] if status is not None else None
    if wanted is not None and not wanted:
        return [], None
    native_status = next(iter(wanted)).value if wanted is not None and len(wanted) == 1 else None
    rows, cursor = await orders.page(
        session,
        merchant_id,
        params,
        status=native_status,
        customer_id=None,
        created_from=None,
        created_to=None,
    )
    if wanted is not None:
        rows = [row for row in rows if row.status in wanted]
    intents = await payments.intent_statuses_of_orders(session, merchant_id, [row.id for row in rows])
    shown = [await _shown(session, merchant_id, row, intents[row.id]) for row in rows]
    return [order for order in shown if status is None or order.status_code == status], cursor


async def set_customer(session: AsyncSession, merchant_id: str, body: OrderCustomerIn) -> OrderOut:
    """FarPay's update: the order's customer, found by its number or made."""
    order = await orders.by_token(session, merchant_id, body.token)
    customer_id = await _customer_id(session, merchant_id, body.customer)
    with fields_renamed(_FIELDS):
        updated = await orders.attach_customer(session, merchant_id, order.id, customer_id)
    return await _shown(session, merchant_id, updated)


async def capture(session: AsyncSession, merchant_id: str, token: str, *, settings: Settings) -> OrderOut:
    """Capture the payment the payer authorized (AutoCapture false)."""
    order = await orders.by_token(session, merchant_id, token)
    status = await _status(session, merchant_id, order)
    if status in (FarPayOrderStatus.NEW, FarPayOrderStatus.PROCESSING):
        raise OrderNotInPendingCapture(f"Order is not ready for capture: it is {status.label}.")
    if status is not FarPayOrderStatus.PENDING_CAPTURE:
        raise InvalidStatusForCapture(f"Order is not valid for capture in status: {status.label}.")
    [authorized] = await _intents(session, merchant_id, order.id, IntentStatus.REQUIRES_CAPTURE, settings)
    await payments.capture(session, merchant_id, authorized, settings=settings)
    return await _shown(session, merchant_id, await orders.get(session, merchant_id, order.id))


async def cancel(session: AsyncSession, merchant_id: str, token: str, *, settings: Settings) -> OrderOut:
    """Cancel the order and roll its payment back: a waiting payment ends, an authorization is released,
    money taken is refunded (which cancels the order that held it)."""
    order = await orders.by_token(session, merchant_id, token)
    status = await _status(session, merchant_id, order)
    if status is FarPayOrderStatus.CANCELLED:
        raise OrderAlreadyCancelled("Order has already been cancelled.")
    if status is FarPayOrderStatus.PENDING_CUSTOMER_NUMBER:
        for paid in await _intents(session, merchant_id, order.id, IntentStatus.SUCCEEDED, settings):
            await refunds.create(
                session,
                merchant_id,
                RefundCreate(payment_intent_id=paid, reason="The FarPay order was cancelled."),
                settings=settings,
            )
    elif status in (FarPayOrderStatus.NEW, FarPayOrderStatus.PENDING_CAPTURE):
        for waiting in (
            IntentStatus.REQUIRES_PAYMENT_METHOD,
            IntentStatus.REQUIRES_ACTION,
            IntentStatus.REQUIRES_CAPTURE,
        ):
            for intent_id in await _intents(session, merchant_id, order.id, waiting, settings):
                await payments.cancel(
                    session,
                    merchant_id,
                    intent_id,
                    CancellationReason.REQUESTED_BY_CUSTOMER,
                    settings=settings,
                )
        await orders.cancel(session, merchant_id, order.id)
    else:
        raise InvalidStatusForCancellation(f"Order is not valid for cancellation in status {status.label}.")
    return await _shown(session, merchant_id, await orders.get(session, merchant_id, order.id))


# -- reading -------------------------------------------------------------------------------------------


async def _status(session: AsyncSession, merchant_id: str, order: native.OrderOut) -> FarPayOrderStatus:
    intents = await payments.intent_statuses_of_orders(session, merchant_id, [order.id])
    return farpay_status(order.status, order.customer_id is not None, intents[order.id])


async def _intents(
    session: AsyncSession, merchant_id: str, order_id: str, status: IntentStatus, settings: Settings
) -> list[str]:
    """Ids of the order's intents in `status` (an order has a handful)."""
    rows, _cursor = await payments.page(
        session,
        merchant_id,
        PageParams(limit=MAX_LIMIT, after_id=None),
        settings=settings,
        status=status.value,
        order_id=order_id,
    )
    return [row.id for row in rows]


async def _shown(
    session: AsyncSession,
    merchant_id: str,
    order: native.OrderOut,
    intent_statuses: list[IntentStatus] | None = None,
) -> OrderOut:
    if intent_statuses is None:
        intent_statuses = (await payments.intent_statuses_of_orders(session, merchant_id, [order.id]))[
            order.id
        ]
    status = farpay_status(order.status, order.customer_id is not None, intent_statuses)
    kept = order.metadata
    assert order.token is not None
    assert order.payment_url is not None
    return OrderOut(
        token=order.token,
        external_id=kept.get(EXTERNAL_ID),
        status=status.label,
        status_code=status.value,
        created=order.created_at,
        user_input_url=order.payment_url,
        user_url=order.payment_url,
        accept_url=kept.get(ACCEPT_URL),
        cancel_url=kept.get(CANCEL_URL),
        callback_url=kept.get(CALLBACK_URL),
        lang=kept.get(LANG),
        agreement=0,
        payment_types=kept.get(PAYMENT_TYPES_KEY),
        customer=await _customer_shown(session, merchant_id, order.customer_id),
        payment=PaymentOut(
            amount=from_minor(order.total, order.currency),
            currency=order.currency,
            description=order.description,
            reference=kept.get(REFERENCE),
            auto_capture=kept.get(AUTO_CAPTURE, "true") == "true",
        ),
    )


async def _customer_shown(
    session: AsyncSession, merchant_id: str, customer_id: str | None
) -> CustomerOut | None:
    if customer_id is None:
        return None
    try:
        customer = await customers.billed(session, merchant_id, customer_id)
    except CustomerNotFound:
        return None
    return CustomerOut(
        customer_number=customer.external_id, customer_name=customer.name, customer_email=customer.email
    )


# -- writing -------------------------------------------------------------------------------------------


def _check_supported(body: OrderIn) -> None:
    errors = Collector()
    if body.agreement != 0:
        errors.add(
            "Agreement",
            "agreement_not_supported",
            "Faktura makes no payment agreements (Betalingsservice, Leverandørservice, MobilePay "
            "subscriptions); send Agreement 0 for a single payment.",
        )
    if body.payment_types:
        types = [name.strip().lower() for name in body.payment_types.split(",") if name.strip()]
        unknown = [name for name in types if name not in PAYMENT_TYPES]
        if unknown:
            errors.add(
                "PaymentTypes",
                "invalid_choice",
                f"Unknown payment type {', '.join(unknown)}; FarPay's are bs, ls, mp and card.",
            )
        elif "card" not in types:
            errors.add(
                "PaymentTypes",
                "invalid_choice",
                f"PaymentType ({body.payment_types}) leaves no type Faktura takes: its page takes card.",
            )
    for name, value in (
        ("InvoiceId", body.payment.invoice_id),
        ("InvoiceNumber", body.payment.invoice_number),
    ):
        if value is not None:
            errors.add(
                f"Payment.{name}",
                "not_supported",
                "An order pays no existing invoice here: leave it out, and attach the order's payment to "
                "the invoice you deliver afterwards.",
            )
    errors.raise_if_any()


async def _customer_id(session: AsyncSession, merchant_id: str, customer: CustomerIn) -> str:
    """The merchant's customer whose `externalId` is FarPay's customer number; made if there is none."""
    found = await customers.by_external_id(session, merchant_id, customer.customer_number)
    if found is not None:
        return found.id
    if customer.customer_name is None:
        raise ValidationFailed.field(
            "Customer.CustomerName",
            "required",
            f"There is no customer {customer.customer_number} yet: send its CustomerName to create it.",
        )
    with fields_renamed(_FIELDS):
        created = await customers.create(
            session,
            merchant_id,
            CustomerCreate(
                type="private",
                name=customer.customer_name,
                email=customer.customer_email,
                external_id=customer.customer_number,
            ),
        )
    return created.id


def _kept(body: OrderIn) -> dict[str, str]:
    """What FarPay shows of the order that Faktura's order has no field for."""
    values = {
        EXTERNAL_ID: body.external_id,
        ACCEPT_URL: body.accept_url,
        CANCEL_URL: body.cancel_url,
        CALLBACK_URL: body.callback_url,
        LANG: body.lang,
        PAYMENT_TYPES_KEY: body.payment_types,
        REFERENCE: body.payment.reference,
        AUTO_CAPTURE: "true" if body.payment.auto_capture else "false",
    }
    return {key: value for key, value in values.items() if value is not None}


def _line_text(body: OrderIn) -> str:
    if body.payment.description:
        return body.payment.description
    return f"Order {body.external_id}" if body.external_id else "Payment"
