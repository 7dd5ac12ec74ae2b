"""Issuing a renewal's invoice and collecting it: sent (`send_invoice`) or charged to the saved card
(`charge_automatically`), and what follows when it is not paid. Never commits.

Each unpaid billing carries its next `action` and when (`next_action_at`); the billing run does it when
the time comes, under the subscription's lock, and sets the next one:

- `issue`: the draft's grace window is over: finalize it, then send it or charge the card.
- `charge`: try the card again, on the merchant's retry days after the first failure (3, 5 and 7 by
  default). A hard decline is not retried: the payer is sent the invoice, and only the last day's
  verdict (`give_up`) follows.
- `remind_due`, `overdue`, `remind`: for invoices sent, an e-mail three days before the due date; the
  day after it, the billing and the subscription become past due, with a reminder; a reminder on each
  retry day but the last.
- `give_up`: the last retry day: the subscription becomes what the merchant set (`unpaid`, or
  `canceled`), and the billing `failed`. The invoice stays owed.
- `expire`: a first payment that did not go through, a day later: the subscription is canceled and
  its invoice voided (its period never began for the customer).

A billing whose invoice gets paid (or voided) is settled by the run (`settle_paid`): a subscription
past due, unpaid or incomplete is active again once none of its invoices is owed in dunning.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import collective, finalization, lifecycle
from faktura.invoices import service as invoices
from faktura.invoices.collective import Group, Joining
from faktura.invoices.delivery.states import ChannelName
from faktura.invoices.states import PAYABLE, InvoiceStatus
from faktura.models import Invoice, Subscription, SubscriptionBilling
from faktura.payments import off_session
from faktura.subscriptions import pricing, repository
from faktura.subscriptions.states import BillingStatus, SubscriptionStatus
from faktura.subscriptions.status import end, record, transition
from faktura.subscriptions.timing import At, begins, set_next

S = SubscriptionStatus
B = BillingStatus
REMIND_BEFORE_DUE = timedelta(days=3)
FIRST_PAYMENT_WINDOW = timedelta(days=1)


def followup(*event_types: str) -> list[str]:
    """Events a step calls for, recorded by its caller after its own (so a renewal's come in one
    order: renewed, then payment_failed, then past_due)."""
    return list(event_types)


class Action(StrEnum):
    ISSUE = "issue"
    CHARGE = "charge"
    REMIND_DUE = "remind_due"
    OVERDUE = "overdue"
    REMIND = "remind"
    GIVE_UP = "give_up"
    EXPIRE = "expire"


async def issue(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, invoice: Invoice, at: At
) -> list[str]:
    """Finalize the billing's draft and collect it; returns the subscription events that follow (a
    failed payment, past due), for the caller to record after its own."""
    billing.action = None
    billing.next_action_at = None
    if invoice.status == InvoiceStatus.DRAFT:
        if subscription.collection_method == "send_invoice" or S(subscription.status) is S.UNPAID:
            # An unpaid subscription's renewals are sent, not charged: its card already failed.
            await lifecycle.send_locked(session, invoice)
        else:
            await finalization.finalize_locked(session, invoice)
    billing.amount = invoice.total
    if invoice.status not in PAYABLE:
        billing.status = B.PAID.value if invoice.status == InvoiceStatus.PAID else B.OPEN.value
        return []
    billing.status = B.OPEN.value
    if subscription.collection_method == "charge_automatically" and S(subscription.status) is not S.UNPAID:
        if subscription.payment_method_id is None:
            return await _ask_for_card(session, subscription, billing, invoice, at)
        return await _charge(session, subscription, billing, invoice, at)
    if subscription.collection_method == "send_invoice":
        _schedule_reminders(subscription, billing, invoice, at.now)
    return []


async def issue_collective(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, at: At
) -> list[str]:
    """Make the customer's collective invoice now: this renewal with the others due and the collective
    orders due (`invoices.collective`, which asks `_renewals_due` for the renewals); it is sent at
    once. Nothing when another run made it already."""
    await collective.collect(
        session,
        subscription.merchant_id,
        subscription.customer_id,
        currency=subscription.currency,
        prices_include_tax=subscription.prices_include_tax,
        payment_terms_days=subscription.payment_terms_days,
        now=at.now,
    )
    return []


@collective.joins_collective_invoices
async def _renewals_due(session: AsyncSession, group: Group, now: datetime) -> Joining | None:
    """The group's renewals due by `now` that wait for a collective invoice, locked."""
    due = await repository.collective_renewals_due(session, group, now)
    if not due:
        return None

    async def made(session: AsyncSession, invoice: Invoice) -> None:
        for row in due:
            row.invoice_id = invoice.id

    async def sent(session: AsyncSession, invoice: Invoice) -> None:
        for row in due:
            row.action = row.next_action_at = None
            row.status = (B.PAID if invoice.status == InvoiceStatus.PAID else B.OPEN).value
        if invoice.status in PAYABLE:
            lead = due[0]  # its reminders are the invoice's; the others follow it (`_together`)
            subscription = await repository.load(session, lead.merchant_id, lead.subscription_id, lock=True)
            assert subscription is not None
            _schedule_reminders(subscription, lead, invoice, now)

    lines = [pricing.line_of_json(line) for row in due for line in row.lines or []]
    return Joining(lines, made, sent)


async def _together(
    session: AsyncSession, billing: SubscriptionBilling
) -> list[tuple[SubscriptionBilling, Subscription]]:
    """The other renewals on the billing's (collective) invoice, with their subscriptions, locked."""
    if billing.invoice_id is None:
        return []
    found = []
    for row in await repository.renewals_on_invoice(session, billing.invoice_id):
        if row.id == billing.id:
            continue
        subscription = await repository.load(session, row.merchant_id, row.subscription_id, lock=True)
        assert subscription is not None
        found.append((row, subscription))
    return found


async def _charge(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, invoice: Invoice, at: At
) -> list[str]:
    assert subscription.payment_method_id is not None
    billing.attempts += 1
    result = await off_session.charge_off_session(
        session, subscription.merchant_id, invoice.id, subscription.payment_method_id, settings=at.settings
    )
    if result.status in ("succeeded", "processing"):
        # Processing: the gateway's callback pays the invoice, and the run settles the billing.
        billing.last_error = None
        if result.status == "processing":
            return []
        billing.status = B.PAID.value
        billing.action = billing.next_action_at = None
        return await _recovered(session, subscription)
    billing.last_error = result.decline_code or "authentication_required"
    base = _first_failure(billing, at.now)
    if billing.attempts == 1:
        billing.status = B.PAST_DUE.value
        # The payer gets the invoice (its page takes a card, and 3-D Secure if the bank asks); read
        # again whole, as the charge read its row afresh.
        invoice = await invoices.load(session, subscription.merchant_id, invoice.id, lock=True)
        await lifecycle.send_locked(session, invoice)
    if S(subscription.status) in (S.SCHEDULED, S.INCOMPLETE):
        # The first period's payment: the subscription stays incomplete until it is paid, for a day.
        billing.action = Action.EXPIRE.value
        billing.next_action_at = base + FIRST_PAYMENT_WINDOW
        return followup("subscription.payment_failed")
    followups = [*followup("subscription.payment_failed"), *await _past_due(session, subscription)]
    days = at.terms.dunning_retry_days
    retries_left = len(days) - (billing.attempts - 1)
    if retries_left <= 0:
        followups += await _give_up(session, subscription, billing, at)
    elif result.hard_decline or result.status == "requires_action":
        # Not retried: a new attempt would meet the same refusal. The last day decides.
        billing.action = Action.GIVE_UP.value
        billing.next_action_at = base + timedelta(days=days[-1])
    else:
        billing.action = Action.CHARGE.value
        billing.next_action_at = base + timedelta(days=days[billing.attempts - 1])
    return followups


async def _ask_for_card(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, invoice: Invoice, at: At
) -> list[str]:
    """No card saved yet: the payer gets the invoice, whose page saves the card they pay it with; the
    renewals after it are charged to that card (`settle_paid`). Until it is paid, as a first payment."""
    await off_session.ask_for_card(session, subscription.merchant_id, invoice.id, settings=at.settings)
    invoice = await invoices.load(session, subscription.merchant_id, invoice.id, lock=True)
    await lifecycle.send_locked(session, invoice)
    billing.last_error = "payment_method_required"
    if S(subscription.status) in (S.SCHEDULED, S.INCOMPLETE):
        billing.action = Action.EXPIRE.value
        billing.next_action_at = _first_failure(billing, at.now) + FIRST_PAYMENT_WINDOW
        return []
    billing.status = B.PAST_DUE.value
    billing.action = Action.GIVE_UP.value
    billing.next_action_at = _first_failure(billing, at.now) + timedelta(days=at.terms.dunning_retry_days[-1])
    return [*followup("subscription.payment_failed"), *await _past_due(session, subscription)]


def _first_failure(billing: SubscriptionBilling, now: datetime) -> datetime:
    """The moment the retry days count from: the first charge that failed."""
    if billing.attempts <= 1 or billing.dunning_since is None:
        billing.dunning_since = now
    return billing.dunning_since


def _schedule_reminders(
    subscription: Subscription, billing: SubscriptionBilling, invoice: Invoice, now: datetime
) -> None:
    assert invoice.due_date is not None
    before = begins(invoice.due_date, subscription.time_zone) - REMIND_BEFORE_DUE
    if before > now:
        billing.action, billing.next_action_at = Action.REMIND_DUE.value, before
    else:
        billing.action = Action.OVERDUE.value
        billing.next_action_at = begins(invoice.due_date + timedelta(days=1), subscription.time_zone)


async def act(session: AsyncSession, merchant_id: str, billing_id: str, at: At) -> bool:
    """Do a billing's next action if its time has come; False when there was nothing to do (done by
    another run, or settled meanwhile)."""
    found = await repository.billing_locked(session, merchant_id, billing_id)
    if found is None:
        return False
    billing, subscription = found
    if billing.next_action_at is None or billing.next_action_at > at.now:
        return False
    action = Action(billing.action or Action.ISSUE.value)
    if billing.invoice_id is None and billing.lines is not None and action is Action.ISSUE:
        for event in await issue_collective(session, subscription, billing, at):
            await record(session, subscription, event, billing)
        return True
    if billing.invoice_id is None:  # the merchant deleted the draft in its grace window
        billing.status = B.VOID.value
        billing.action = billing.next_action_at = None
        return True
    invoice = await invoices.load(session, merchant_id, billing.invoice_id, lock=True)
    if action is Action.ISSUE:
        followups = await issue(session, subscription, billing, invoice, at)
    elif invoice.status not in PAYABLE:
        billing.action = billing.next_action_at = None  # paid or voided meanwhile: settle_paid's
        return True
    elif action is Action.CHARGE:
        followups = await _charge(session, subscription, billing, invoice, at)
    elif action is Action.REMIND_DUE:
        await _remind(session, subscription, invoice)
        billing.action = Action.OVERDUE.value
        assert invoice.due_date is not None
        billing.next_action_at = begins(invoice.due_date + timedelta(days=1), subscription.time_zone)
        followups = []
    elif action is Action.OVERDUE:
        followups = await _overdue(session, subscription, billing, invoice, at)
    elif action is Action.REMIND:
        followups = await _after_due(session, subscription, billing, invoice, at)
    elif action is Action.GIVE_UP:
        followups = await _give_up(session, subscription, billing, at)
    else:
        followups = await _expire(session, subscription, billing, invoice, at)
    for event in followups:
        await record(session, subscription, event, billing)
    return True


async def _overdue(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, invoice: Invoice, at: At
) -> list[str]:
    for row, other in await _together(session, billing):
        row.status = B.PAST_DUE.value
        for event in await _past_due(session, other):
            await record(session, other, event, row)
    billing.status = B.PAST_DUE.value
    await _remind(session, subscription, invoice)
    billing.attempts = 0
    return [
        *await _past_due(session, subscription),
        *await _next_reminder(session, subscription, billing, invoice, at),
    ]


async def _after_due(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, invoice: Invoice, at: At
) -> list[str]:
    await _remind(session, subscription, invoice)
    billing.attempts += 1
    return await _next_reminder(session, subscription, billing, invoice, at)


async def _next_reminder(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, invoice: Invoice, at: At
) -> list[str]:
    """Reminders on each retry day after the due date but the last, which gives up."""
    assert invoice.due_date is not None
    days = at.terms.dunning_retry_days
    index = billing.attempts
    if index >= len(days):
        return await _give_up(session, subscription, billing, at)
    billing.action = (Action.REMIND if index < len(days) - 1 else Action.GIVE_UP).value
    billing.next_action_at = begins(invoice.due_date + timedelta(days=days[index]), subscription.time_zone)
    return []


async def _remind(session: AsyncSession, subscription: Subscription, invoice: Invoice) -> None:
    """The invoice again, by e-mail, to a customer who has an address."""
    customer = await repository.customer(session, subscription.merchant_id, subscription.customer_id)
    if customer is not None and customer.email:
        await lifecycle.resend(session, subscription.merchant_id, invoice.id, ChannelName.EMAIL)


async def _past_due(session: AsyncSession, subscription: Subscription) -> list[str]:
    if S(subscription.status) is not S.ACTIVE:
        return []
    await transition(session, subscription, S.PAST_DUE)
    return followup("subscription.past_due")


async def _give_up(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, at: At
) -> list[str]:
    for row, other in await _together(session, billing):
        if row.status != B.PAST_DUE.value:
            continue  # paid meanwhile, or given up already
        row.status = B.FAILED.value
        for event in await _final_status(session, other, at):
            await record(session, other, event, row)
    billing.status = B.FAILED.value
    billing.action = billing.next_action_at = None
    return await _final_status(session, subscription, at)


async def _final_status(session: AsyncSession, subscription: Subscription, at: At) -> list[str]:
    """What the merchant set for a subscription dunning gave up on: unpaid, or canceled."""
    status = S(subscription.status)
    if status is S.CANCELED:
        return []
    if at.terms.dunning_final_status == "canceled":
        await end(session, subscription, at.now)
        return []
    if status in (S.ACTIVE, S.PAST_DUE):
        await transition(session, subscription, S.UNPAID)
        return followup("subscription.updated")
    return []


async def _expire(
    session: AsyncSession, subscription: Subscription, billing: SubscriptionBilling, invoice: Invoice, at: At
) -> list[str]:
    billing.action = billing.next_action_at = None
    if S(subscription.status) is not S.INCOMPLETE:
        return []
    await lifecycle.void(session, subscription.merchant_id, invoice.id)
    billing.status = B.VOID.value
    await end(session, subscription, at.now)
    return []


async def settle_paid(session: AsyncSession, merchant_id: str, billing_id: str, at: At) -> bool:
    """A billing whose invoice was paid or voided: settled, its dunning stopped; its subscription active
    again when nothing else of it is owed in dunning."""
    locked = await repository.billing_locked(session, merchant_id, billing_id)
    if locked is None or locked[0].invoice_id is None:
        return False
    billing, subscription = locked
    assert billing.invoice_id is not None
    found = await invoices.statuses(session, merchant_id, [billing.invoice_id])
    status = found.get(billing.invoice_id, ("void", None))[0]
    if status not in (InvoiceStatus.PAID, InvoiceStatus.VOID):
        return False
    billing.status = (B.PAID if status == InvoiceStatus.PAID else B.VOID).value
    billing.action = billing.next_action_at = None
    billing.last_error = None
    saved = False
    if subscription.collection_method == "charge_automatically" and subscription.payment_method_id is None:
        # The payer saved the card they paid with: the renewals are charged to it.
        subscription.payment_method_id = await off_session.card_saved_paying(
            session, merchant_id, billing.invoice_id
        )
        saved = subscription.payment_method_id is not None
    recovered = await _recovered(session, subscription)
    if saved and not recovered:
        recovered = followup("subscription.updated")
    for event in recovered:
        await record(session, subscription, event, billing)
    return True


async def _recovered(session: AsyncSession, subscription: Subscription) -> list[str]:
    """Active again once none of its invoices is owed in dunning (an incomplete one begins its period)."""
    current = S(subscription.status)
    if current not in (S.PAST_DUE, S.UNPAID, S.INCOMPLETE):
        return []
    if await repository.owed_in_dunning(session, subscription.id):
        return []
    await transition(session, subscription, S.ACTIVE)
    if current is S.INCOMPLETE:
        set_next(subscription)
    return followup("subscription.updated")
