"""E-mail: SMTP when FAKTURA_SMTP_URL is set, else .eml files under `<data_dir>/outbox/email/`.

`smtp://user:password@host:587` upgrades with STARTTLS whenever the server offers it; `smtps://host:465`
speaks TLS from the first byte. Certificates are verified against the system's trust store. A password
is only ever sent over TLS, except to a server on this machine. smtplib blocks, so it runs in a thread,
with a timeout on every network operation.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from faktura.invoices.delivery.channel import ChannelFailed, NotApplicable, Outgoing, Receipt
from faktura.invoices.delivery.files import write_atomically
from faktura.invoices.delivery.mail_message import compose
from faktura.invoices.delivery.states import ChannelName
from faktura.kit import clock
from faktura.kit.errors import FakturaError

log = logging.getLogger("faktura.invoices.delivery")
TIMEOUT_SECONDS = 30.0


class MailSender(Protocol):
    async def send(self, outgoing: Outgoing, message: EmailMessage, mail_from: str, recipient: str) -> str:
        """Send or store the message; returns its reference (Message-ID or file name)."""
        ...


class EmlFolder:
    """`<folder>/<number>_<delivery id>.eml`: the local default, for a person or a script to pick up."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, outgoing: Outgoing, message: EmailMessage, mail_from: str, recipient: str) -> str:
        name = f"{outgoing.file_stem}.eml"
        await write_atomically(self.folder / name, message.as_bytes())
        return name


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ChannelFailed(
                "smtp_misconfigured", "FAKTURA_SMTP_URL must be smtp://host[:port] or smtps://."
            )
        implicit_tls = parts.scheme == "smtps"
        try:
            port = parts.port or (465 if implicit_tls else 25)
        except ValueError as exc:
            raise ChannelFailed("smtp_misconfigured", "FAKTURA_SMTP_URL has an invalid port.") from exc
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=implicit_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    @property
    def is_local(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


class SmtpSender:
    def __init__(self, url: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url
        self.timeout = timeout

    async def send(self, outgoing: Outgoing, message: EmailMessage, mail_from: str, recipient: str) -> str:
        server = SmtpServer.parse(self.url)
        await asyncio.to_thread(self._send, server, message, mail_from, recipient)
        return str(message["Message-ID"])

    def _send(self, server: SmtpServer, message: EmailMessage, mail_from: str, recipient: str) -> None:
        try:
            _transmit(server, message, mail_from, recipient, self.timeout)
        except smtplib.SMTPRecipientsRefused as exc:
            replies = "; ".join(f"{code} {_text(reply)}" for code, reply in exc.recipients.values())
            raise ChannelFailed("email_refused", f"{recipient}: {replies}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelFailed("smtp_auth_failed", f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPResponseException as exc:
            code = "email_refused" if 500 <= exc.smtp_code < 600 else "smtp_failed"
            raise ChannelFailed(code, f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except ssl.SSLError as exc:
            raise ChannelFailed("smtp_tls_failed", f"{server.host}:{server.port}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelFailed(
                "smtp_failed", f"{server.host}:{server.port}: {type(exc).__name__}: {exc}"
            ) from exc


def _transmit(
    server: SmtpServer, message: EmailMessage, mail_from: str, recipient: str, timeout: float
) -> None:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if server.implicit_tls:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with client:
        client.ehlo_or_helo_if_needed()
        encrypted = server.implicit_tls
        if not encrypted and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
            encrypted = True
        if server.username:
            if not encrypted and not server.is_local:
                raise ChannelFailed(
                    "smtp_tls_required",
                    f"{server.host} offers no STARTTLS; the SMTP password is not sent unencrypted.",
                )
            client.login(server.username, server.password or "")
        client.send_message(message, from_addr=mail_from, to_addrs=[recipient])


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


class EmailChannel:
    name = ChannelName.EMAIL

    def __init__(self, sender: MailSender, mail_from: str) -> None:
        self.sender = sender
        self.mail_from = mail_from

    async def reach(self, outgoing: Outgoing) -> str:
        address = (outgoing.document.buyer.email or "").strip()
        if not address:
            raise NotApplicable("no_email_address", "The buyer has no e-mail address.")
        return address

    async def deliver(self, outgoing: Outgoing, recipient: str) -> Receipt:
        pdf = await outgoing.renditions.pdf()
        ubl = await self._e_invoice(outgoing)
        message = compose(outgoing, recipient, self.mail_from, clock.now(), pdf, ubl)
        return Receipt(recipient, await self.sender.send(outgoing, message, self.mail_from, recipient))

    async def _e_invoice(self, outgoing: Outgoing) -> bytes | None:
        """A business also gets the EHF, for its books; the PDF is the invoice, so without one (a seller
        with no organisation number cannot issue EHF) the e-mail still goes."""
        if not outgoing.is_corporate:
            return None
        try:
            return await outgoing.renditions.ubl()
        except FakturaError as exc:
            log.warning("delivery %s: no EHF attached: %s", outgoing.delivery_id, exc.message)
        except Exception:
            log.exception("delivery %s: no EHF attached", outgoing.delivery_id)
        return None
