"""The channels as the settings make them: the production implementation where its URL is set, the local
folder under the data directory where not."""

from __future__ import annotations

from pathlib import Path
from typing import TypeGuard

from faktura.config import Settings
from faktura.invoices.delivery.channel import Channel
from faktura.invoices.delivery.files import outbox
from faktura.invoices.delivery.mail import EmailChannel, EmlFolder, MailSender, SmtpSender
from faktura.invoices.delivery.peppol import (
    AccessPoint,
    EhfChannel,
    EhfTransport,
    FolderDrop,
    LookupService,
    ParticipantLookup,
    ParticipantsFile,
)
from faktura.invoices.delivery.post import PostChannel, Printer, PrintFolder, PrintService
from faktura.invoices.delivery.states import ChannelName


def participants_file(settings: Settings) -> Path:
    """The built-in PEPPOL directory: FAKTURA_PEPPOL_DIRECTORY when it names a file, else
    `<data_dir>/peppol/participants.txt`."""
    return (
        Path(settings.peppol_directory)
        if settings.peppol_directory
        else settings.data_dir / "peppol" / "participants.txt"
    )


def _is_http(value: str | None) -> TypeGuard[str]:
    return value is not None and value.lower().startswith(("http://", "https://"))


def ehf(settings: Settings) -> EhfChannel:
    directory = settings.peppol_directory
    lookup: ParticipantLookup = (
        LookupService(directory) if _is_http(directory) else ParticipantsFile(participants_file(settings))
    )
    transport: EhfTransport = (
        AccessPoint(settings.access_point_url)
        if settings.access_point_url
        else FolderDrop(outbox(settings, "ehf"))
    )
    return EhfChannel(lookup, transport)


def email(settings: Settings) -> EmailChannel:
    sender: MailSender = (
        SmtpSender(settings.smtp_url) if settings.smtp_url else EmlFolder(outbox(settings, "email"))
    )
    return EmailChannel(sender, settings.mail_from)


def post(settings: Settings) -> PostChannel:
    printer: Printer = (
        PrintService(settings.print_url) if settings.print_url else PrintFolder(outbox(settings, "print"))
    )
    return PostChannel(printer)


def channels_for(settings: Settings) -> dict[ChannelName, Channel]:
    return {
        ChannelName.EHF: ehf(settings),
        ChannelName.EMAIL: email(settings),
        ChannelName.POST: post(settings),
    }
