"""A subscription's rows as the API shows them, and its items as the pricing reads them."""

from __future__ import annotations

from datetime import date
from typing import Any

from faktura.invoices.states import InvoiceStatus
from faktura.kit.ids import new_id
from faktura.models import Subscription, SubscriptionBilling, SubscriptionItem
from faktura.subscriptions.pricing import ItemTerms
from faktura.subscriptions.schemas import (
    BillingOut,
    PendingChangeOut,
    PendingItemOut,
    SubscriptionItemOut,
    SubscriptionOut,
)
from faktura.subscriptions.states import BillingStatus, SubscriptionStatus


def item_terms(item: SubscriptionItem) -> ItemTerms:
    return ItemTerms(item.product_id, item.price_id, item.unit_amount, item.tax_inclusive, item.quantity)


def replace_items(subscription: Subscription, items: list[ItemTerms]) -> None:
    subscription.items = [
        SubscriptionItem(
            id=new_id("si"),
            merchant_id=subscription.merchant_id,
            position=position,
            product_id=item.product_id,
            price_id=item.price_id,
            unit_amount=item.unit_amount,
            tax_inclusive=item.tax_inclusive,
            quantity=item.quantity,
        )
        for position, item in enumerate(items, 1)
    ]


def subscription_out(subscription: Subscription) -> SubscriptionOut:
    change = subscription.pending_change
    pending = None
    if change:
        pending = PendingChangeOut(
            effective_on=date.fromisoformat(change["effectiveOn"]),
            items=[PendingItemOut.model_validate(_pending_item(i)) for i in change["items"]]
            if change.get("items") is not None
            else None,
            billing_cycle_id=(change.get("cycle") or {}).get("id"),
        )
    return SubscriptionOut(
        id=subscription.id,
        customer_id=subscription.customer_id,
        order_id=subscription.order_id,
        status=SubscriptionStatus(subscription.status),
        currency=subscription.currency,
        prices_include_tax=subscription.prices_include_tax,
        billing_cycle_id=subscription.billing_cycle_id,
        interval=subscription.interval,
        interval_count=subscription.interval_count,
        billing_anchor=subscription.anchor_day,
        time_zone=subscription.time_zone,
        collection_method=subscription.collection_method,
        separate_invoices=subscription.separate_invoices,
        payment_method_id=subscription.payment_method_id,
        payment_terms_days=subscription.payment_terms_days,
        start_date=subscription.start_date,
        trial_end=subscription.trial_end,
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
        renews_at=subscription.renews_at,
        coupon_code=subscription.coupon_code,
        coupon_periods_left=subscription.coupon_periods_left,
        cancel_at_period_end=subscription.cancel_at_period_end,
        canceled_at=subscription.canceled_at,
        ended_at=subscription.ended_at,
        pause_at_period_end=subscription.pause_at_period_end,
        resumes_on=subscription.resumes_on,
        pending_change=pending,
        test_clock_id=subscription.test_clock_id,
        items=[
            SubscriptionItemOut(
                id=item.id,
                product_id=item.product_id,
                price_id=item.price_id,
                unit_amount=item.unit_amount,
                tax_inclusive=item.tax_inclusive,
                quantity=item.quantity,
            )
            for item in subscription.items
        ],
        metadata=subscription.metadata_ or {},
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )


def _pending_item(data: dict[str, Any]) -> dict[str, object]:
    terms = ItemTerms.of_json(data)
    return {
        "product_id": terms.product_id,
        "price_id": terms.price_id,
        "unit_amount": terms.unit_amount,
        "tax_inclusive": terms.tax_inclusive,
        "quantity": terms.quantity,
    }


# An invoice settled one way or another settles its billing, whatever its collection got to.
_SETTLED_BY_INVOICE = {
    InvoiceStatus.PAID: BillingStatus.PAID,
    InvoiceStatus.VOID: BillingStatus.VOID,
    InvoiceStatus.UNCOLLECTIBLE: BillingStatus.FAILED,
}


def billing_out(
    billing: SubscriptionBilling,
    invoice_status: str | None,
    today: date | None = None,
    due_date: date | None = None,
) -> BillingOut:
    """The billing as its invoice stands now: paid, void or written off once the invoice is; past due
    once an open invoice's due date has passed."""
    status = BillingStatus(billing.status)
    if invoice_status is not None and status not in (BillingStatus.DRAFT, BillingStatus.CREDITED):
        status = _SETTLED_BY_INVOICE.get(InvoiceStatus(invoice_status), status)
        overdue = due_date is not None and today is not None and due_date < today
        if status is BillingStatus.OPEN and overdue:
            status = BillingStatus.PAST_DUE
    return BillingOut(
        id=billing.id,
        subscription_id=billing.subscription_id,
        customer_id=billing.customer_id,
        kind=billing.kind,
        period_start=billing.period_start,
        period_end=billing.period_end,
        invoice_id=billing.invoice_id,
        credit_note_id=billing.credit_note_id,
        amount=billing.amount,
        currency=billing.currency,
        status=status,
        attempts=billing.attempts,
        next_action_at=billing.next_action_at,
        created_at=billing.created_at,
    )
