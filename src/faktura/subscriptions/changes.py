"""Changes of a subscription's items or cycle, and their previews: one plan makes both.

A change is an upgrade when the new items cost more per period than the old, a downgrade when less.
Its proration mode, asked for or the merchant's policy for its direction, says when the difference
is billed: `invoice_now` (an invoice for the rest of the period, issued now), `next_invoice` (the
same lines, on the next renewal's invoice), `at_period_end` (nothing now: the change waits for the
period's end, shown as the pending change) or `none` (the new items from now, no difference billed).
A new cycle always starts at the period's end. What makes the rest of the period cheaper (a
downgrade, or the part of a swap at one VAT rate that costs less) is credited at once in both
`invoice_now` and `next_invoice`, by credit notes on the period's invoices (`credits`): a credit is a
document, and what it credits of an invoice paid already is the customer's credit, which the next
invoice uses. What costs more is billed as the mode says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.invoices import credit_notes, drafts
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.periods import Interval
from faktura.kit.validation import Collector
from faktura.models import Subscription, SubscriptionBilling
from faktura.orders.service import CatalogProduct
from faktura.subscriptions import billing, credits, dunning, pricing, repository, service, views
from faktura.subscriptions.periods import Cycle, Period, Schedule, local_day
from faktura.subscriptions.schemas import (
    PreviewCreditOut,
    PreviewLineOut,
    PreviewOut,
    ProrationMode,
    SubscriptionChange,
    SubscriptionOut,
)
from faktura.subscriptions.states import BillingStatus, SubscriptionStatus
from faktura.subscriptions.status import record
from faktura.subscriptions.timing import At, boundary, schedule

S = SubscriptionStatus
# Statuses with a period paid for: a change within it is prorated.
_IN_PERIOD = (S.ACTIVE, S.PAST_DUE)


@dataclass(frozen=True, slots=True)
class Plan:
    mode: ProrationMode
    effective_on: date
    billed: str  # now | next_invoice | at_period_end | never
    items: list[pricing.ItemTerms] | None
    cycle: dict[str, object] | None
    period: Period | None  # the period whose rest is prorated
    prorations: list[pricing.Proration]  # what costs more, billed
    invoice: drafts.Billed | None  # the lines the change bills (now, next, or the next period's)
    credits: credits.Credits | None = None  # what costs less, credited now


async def preview(
    session: AsyncSession,
    merchant_id: str,
    subscription_id: str,
    data: SubscriptionChange,
    settings: Settings,
) -> PreviewOut:
    subscription, at = await service.live(session, merchant_id, subscription_id, settings)
    plan = await _plan(session, subscription, data, at)
    lines: list[PreviewLineOut] = []
    subtotal = tax_total = total = 0
    if plan.invoice is not None:
        priced, totals = drafts.billed_totals(plan.invoice)
        for p, figures in zip(priced, totals.lines, strict=True):
            lines.append(
                PreviewLineOut(
                    description=p.description,
                    product_id=p.product_id,
                    price_id=p.price_id,
                    quantity=p.line.quantity,
                    unit_price=p.line.unit_price,
                    net_amount=figures.net_amount,
                    tax_amount=figures.tax_amount,
                    tax_rate=p.line.tax_rate,
                    tax_category=p.line.tax_category,
                )
            )
        subtotal, tax_total, total = totals.tax_exclusive_amount, totals.tax_total, totals.total
    notes = plan.credits.notes if plan.credits is not None else []
    return PreviewOut(
        proration_mode=plan.mode,
        effective_on=plan.effective_on,
        billed=plan.billed,
        currency=subscription.currency,
        lines=lines,
        subtotal=subtotal,
        tax_total=tax_total,
        total=total,
        credits=[_credit_out(credit.quote) for credit in notes],
        credit_total=plan.credits.total if plan.credits is not None else 0,
        uncredited=plan.credits.uncredited if plan.credits is not None else 0,
    )


def _credit_out(quote: credit_notes.Quote) -> PreviewCreditOut:
    return PreviewCreditOut(
        invoice_id=quote.invoice_id,
        lines=[
            PreviewLineOut(
                description=line.description,
                product_id=line.product_id,
                price_id=line.price_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net_amount=line.net_amount,
                tax_amount=line.tax_amount,
                tax_rate=line.tax_rate,
                tax_category=line.tax_category,
            )
            for line in quote.lines
        ],
        subtotal=quote.subtotal,
        tax_total=quote.tax_total,
        total=quote.total,
    )


async def change(
    session: AsyncSession,
    merchant_id: str,
    subscription_id: str,
    data: SubscriptionChange,
    settings: Settings,
) -> SubscriptionOut:
    subscription, at = await service.live(session, merchant_id, subscription_id, settings)
    if data.metadata is not None:
        subscription.metadata_ = data.metadata
    if data.payment_method_id is not None:
        await _new_card(session, subscription, data.payment_method_id, at)
    if data.items is None and data.billing_cycle_id is None:
        await record(session, subscription, "subscription.updated")
        return views.subscription_out(subscription)
    plan = await _plan(session, subscription, data, at)
    if plan.billed == "at_period_end":
        subscription.pending_change = {
            "effectiveOn": plan.effective_on.isoformat(),
            "items": [item.as_json() for item in plan.items] if plan.items is not None else None,
            "cycle": plan.cycle,
        }
    else:
        subscription.pending_change = None
        if plan.items is not None:
            views.replace_items(subscription, plan.items)
    if plan.credits is not None and plan.period is not None:
        # First, so that an invoice the change also makes can use the credit they give.
        await _credit(session, subscription, plan.credits, plan.period, plan.effective_on)
    if plan.prorations and plan.period is not None:
        row = SubscriptionBilling(
            id=new_id("sbl"),
            merchant_id=merchant_id,
            subscription_id=subscription.id,
            customer_id=subscription.customer_id,
            kind="proration",
            period_index=plan.period.index,
            period_start=plan.effective_on,
            period_end=plan.period.end,
            currency=subscription.currency,
            amount=sum(p.amount for p in plan.prorations),
            attempts=0,
            status=BillingStatus.DRAFT.value,
            lines=[p.as_json() for p in plan.prorations],
        )
        if plan.billed == "now":
            assert plan.invoice is not None
            invoice = await drafts.create_billed(session, merchant_id, plan.invoice)
            row.invoice_id = invoice.id
            await repository.add_billing(session, row)
            for event in await dunning.issue(session, subscription, row, invoice, at):
                await record(session, subscription, event)
        else:
            await repository.add_billing(session, row)
    await record(session, subscription, "subscription.updated")
    return views.subscription_out(subscription)


async def _credit(
    session: AsyncSession, subscription: Subscription, planned: credits.Credits, period: Period, day: date
) -> None:
    """Issue the planned credit notes, each with its billing row (a negative proration)."""
    for credit in planned.notes:
        note = await credit_notes.issue(session, subscription.merchant_id, credit.invoice_id, credit.request)
        await repository.add_billing(
            session,
            SubscriptionBilling(
                id=new_id("sbl"),
                merchant_id=subscription.merchant_id,
                subscription_id=subscription.id,
                customer_id=subscription.customer_id,
                kind="proration",
                period_index=period.index,
                period_start=day,
                period_end=period.end,
                currency=subscription.currency,
                invoice_id=credit.invoice_id,
                credit_note_id=note.id,
                amount=-note.total,
                attempts=0,
                status=BillingStatus.CREDITED.value,
            ),
        )


async def _new_card(session: AsyncSession, subscription: Subscription, method_id: str, at: At) -> None:
    """Charge from now on to another saved card of the customer; what dunning is chasing is charged to
    it at the next run (a card that failed for good no longer waits for the last retry day)."""
    errors = Collector()
    if subscription.collection_method != "charge_automatically":
        errors.add("paymentMethodId", "not_allowed", "send_invoice sends invoices; it charges no card.")
    else:
        await service.check_payment_method(
            session, subscription.merchant_id, method_id, subscription.customer_id, errors
        )
    errors.raise_if_any()
    subscription.payment_method_id = method_id
    for row in await repository.chasing(session, subscription.id):
        row.action = dunning.Action.CHARGE.value
        row.next_action_at = at.now


async def _plan(session: AsyncSession, subscription: Subscription, data: SubscriptionChange, at: At) -> Plan:
    errors = Collector()
    current = [views.item_terms(item) for item in subscription.items]
    items = None
    if data.items is not None:
        items = await service.checked_items(
            session, subscription.merchant_id, list(data.items), subscription.currency, current, errors
        )
    cycle = None
    if data.billing_cycle_id is not None:
        found = await service.active_cycle(session, subscription.merchant_id, data.billing_cycle_id, errors)
        if found is not None:
            cycle = {"id": found.id, "interval": found.interval, "count": found.interval_count}
    errors.raise_if_any()
    status = S(subscription.status)
    new_items = items if items is not None else current
    catalog = await pricing.products(
        session,
        subscription.merchant_id,
        {i.product_id for i in [*current, *new_items]},
        subscription.currency,
    )
    now, terms = at.now, at.terms
    today = local_day(now, subscription.time_zone)
    if status not in _IN_PERIOD:
        # Nothing paid to prorate (a trial, a pause, a start to come): new items from now, a new
        # cycle from the next boundary.
        mode: ProrationMode = data.proration_mode or "none"
        if cycle is not None or mode == "at_period_end":
            return await _at_period_end(session, subscription, items, cycle, catalog, now)
        return Plan(mode, today, "never", items, None, None, [], None)
    assert subscription.current_period_start is not None
    assert subscription.current_period_end is not None
    period = Period(
        subscription.period_index, subscription.current_period_start, subscription.current_period_end
    )
    before = sum(pricing.charge(catalog[i.product_id], i, subscription.prices_include_tax) for i in current)
    after = sum(pricing.charge(catalog[i.product_id], i, subscription.prices_include_tax) for i in new_items)
    mode = data.proration_mode or (terms.upgrade_proration if after >= before else terms.downgrade_proration)  # type: ignore[assignment]
    if cycle is not None or mode == "at_period_end":
        if cycle is not None and data.proration_mode not in (None, "at_period_end"):
            raise ValidationFailed.field(
                "prorationMode",
                "cycle_change_at_period_end",
                "A new billing cycle starts at the period's end.",
            )
        return await _at_period_end(session, subscription, items, cycle, catalog, now)
    if mode == "none":
        return Plan(mode, today, "never", items, None, period, [], None)
    if mode == "next_invoice" and not subscription.separate_invoices:
        raise ValidationFailed.field(
            "prorationMode", "next_invoice_not_collective", "Bill it invoice_now or at_period_end."
        )
    prorations = pricing.netted(
        catalog,
        pricing.prorations(catalog, current, new_items, subscription.prices_include_tax, period, today),
    )
    charges = [p for p in prorations if p.amount > 0]
    refunds = [p for p in prorations if p.amount < 0]
    owed = await credits.plan(session, subscription, period, refunds, current, catalog) if refunds else None
    if not charges and owed is None:  # the rest of the period costs the same: nothing to bill
        return Plan(mode, today, "never", items, None, period, [], None)
    invoice = None
    if charges:
        invoice = await billing.billed_lines(
            session, subscription, [p.line(catalog[p.product_id]) for p in charges], now, with_coupon=False
        )
    return Plan(
        mode,
        today,
        "now" if mode == "invoice_now" else "next_invoice",
        items,
        None,
        period,
        charges,
        invoice,
        owed,
    )


async def _at_period_end(
    session: AsyncSession,
    subscription: Subscription,
    items: list[pricing.ItemTerms] | None,
    cycle: dict[str, object] | None,
    catalog: dict[str, CatalogProduct],
    now: datetime,
) -> Plan:
    """The change waits for the next boundary; what it bills is the next period's invoice."""
    effective = boundary(subscription)
    if effective is None:
        raise ValidationFailed.field("items", "nothing_to_change", "The subscription has no period to come.")
    interval = Interval(str(cycle["interval"])) if cycle else Interval(subscription.interval)
    count = int(cycle["count"]) if cycle else subscription.interval_count  # type: ignore[call-overload]
    anchor = subscription.anchor_day if interval in (Interval.MONTH, Interval.YEAR) else None
    if anchor is None and interval in (Interval.MONTH, Interval.YEAR):
        anchor = effective.day
    following, index = Schedule(effective, Cycle(interval, count), anchor), 0
    if cycle is None and S(subscription.status) in _IN_PERIOD:
        # The same schedule goes on: its next period, not a new schedule's first.
        following, index = schedule(subscription), subscription.period_index + 1
    lines = await billing.items_lines(
        session, subscription, following.period(index), following.whole(index), items
    )
    invoice = await billing.billed_lines(session, subscription, lines, now, with_coupon=True)
    return Plan("at_period_end", effective, "at_period_end", items, cycle, None, [], invoice)
