"""The invoice e-mail: from the merchant (by name, at the operator's address), in the buyer's language,
with what to pay, by when, the KID and the pay link, the PDF attached and, for a business, the EHF too."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from babel.dates import format_date

from faktura.invoices.delivery.channel import ChannelFailed, Outgoing, safe_name
from faktura.invoices.delivery.texts import language_of, text
from faktura.kit.currencies import format_money


def message_id(delivery_id: str, mail_from: str) -> str:
    """One Message-ID per delivery: a repeat after a crash carries the same id, which mail clients and
    archives use to drop the duplicate."""
    domain = mail_from.rsplit("@", 1)[-1] or "faktura.localhost"
    return f"<{delivery_id}@{domain}>"


def mailbox(name: str, address: str) -> Address:
    try:
        return Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError) as exc:
        raise ChannelFailed("invalid_email_address", f"{address!r} is not an e-mail address.") from exc


def compose(
    outgoing: Outgoing, recipient: str, mail_from: str, now: datetime, pdf: bytes, ubl: bytes | None
) -> EmailMessage:
    document = outgoing.document
    language = language_of(document.language)
    message = EmailMessage()
    message["From"] = mailbox(document.seller.name, mail_from)
    message["To"] = mailbox(document.buyer.name, recipient)
    if document.seller.email:
        message["Reply-To"] = mailbox(document.seller.name, document.seller.email)
    message["Subject"] = text("subject", language, number=document.number, seller=document.seller.name)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(outgoing.delivery_id, mail_from)
    message.set_content(body(outgoing, e_invoice=ubl is not None))
    name = safe_name(document.number)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{name}.pdf")
    if ubl is not None:
        message.add_attachment(ubl, maintype="application", subtype="xml", filename=f"{name}.xml")
    message["Content-Language"] = language  # after the content: setting content drops Content-* headers
    return message


def body(outgoing: Outgoing, *, e_invoice: bool) -> str:
    document = outgoing.document
    language = language_of(document.language)
    payment = document.payment
    seller = document.seller.name
    lines = [
        text("greeting", language, buyer=document.buyer.name),
        "",
        text("intro", language, number=document.number, seller=seller),
        "",
        f"{text('amount_due', language)}: {format_money(outgoing.amount_due, document.currency, language)}",
    ]
    due_date = payment.due_date if payment and payment.due_date else document.due_date
    if due_date is not None and outgoing.amount_due > 0:
        lines.append(f"{text('due_date', language)}: {format_date(due_date, 'long', locale=language)}")
    if payment and payment.kid and outgoing.amount_due > 0:
        lines.append(f"{text('kid', language)}: {payment.kid}")
    if payment and payment.bank_account and outgoing.amount_due > 0:
        lines.append(f"{text('account', language)}: {payment.bank_account}")
    lines.append("")
    if outgoing.amount_due <= 0:
        lines.append(text("paid", language))
    elif payment and payment.payment_url:
        lines.append(text("pay_online", language, url=payment.payment_url))
    if e_invoice:
        lines.append(text("e_invoice_attached", language))
    lines += ["", text("closing", language), seller, ""]
    return "\n".join(lines)
