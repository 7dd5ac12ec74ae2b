"""An invoice's deliveries as the API shows them, and resending. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.invoices import lifecycle
from faktura.invoices.delivery import channel_setup, repository
from faktura.invoices.delivery.channel import ChannelFailed
from faktura.invoices.delivery.errors import PeppolLookupFailed
from faktura.invoices.delivery.schemas import DeliveryOut
from faktura.invoices.delivery.states import ChannelName
from faktura.invoices.delivery.views import delivery_out
from faktura.invoices.service import load


async def of_invoice(session: AsyncSession, merchant_id: str, invoice_id: str) -> list[DeliveryOut]:
    """Every sending of the invoice, newest first, each with its attempts (a handful per invoice, so
    they come in one page)."""
    await load(session, merchant_id, invoice_id)  # 404 for an invoice the merchant does not have
    rows = await repository.of_invoice(session, merchant_id, invoice_id)
    attempts = await repository.attempts_of(session, [row.id for row in rows])
    return [delivery_out(row, attempts) for row in rows]


async def resend(
    session: AsyncSession, merchant_id: str, invoice_id: str, channel: ChannelName | None
) -> DeliveryOut:
    delivery = await lifecycle.resend(session, merchant_id, invoice_id, channel)
    return delivery_out(delivery, [])


async def peppol_registered(settings: Settings, participant: str) -> bool:
    """Whether the PEPPOL directory the EHF channel looks buyers up in has `participant`
    (`0192:921605900`); `PeppolLookupFailed` when it cannot say."""
    try:
        return await channel_setup.ehf(settings).lookup.registered(participant)
    except ChannelFailed as exc:
        raise PeppolLookupFailed(f"{exc.code}: {exc}") from exc
