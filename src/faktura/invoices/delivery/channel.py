"""What every delivery channel is: it decides whether it applies to the buyer, then delivers.

A channel gets an `Outgoing` (the invoice as a `Document`, what is still owed, and the files made from
it on demand) and answers with a `Receipt`, or raises `NotApplicable` (the buyer cannot be reached this
way: the attempt is skipped) or `ChannelFailed` (it could have worked and did not). Either way the
delivery falls through to the next channel.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from faktura.documents.model import Address, BuyerType, Document
from faktura.documents.pdf import render
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.write import write
from faktura.invoices.delivery.states import ChannelName

ERROR_TEXT_LIMIT = 1000  # InvoiceDeliveryAttempt.error


class ChannelFailed(Exception):
    """The channel tried and failed; `code` is stable snake_case (`access_point_refused`, `smtp_failed`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message[:ERROR_TEXT_LIMIT]


class NotApplicable(ChannelFailed):
    """The channel does not apply to this buyer (`not_a_participant`, `no_email_address`, ...)."""


@dataclass(frozen=True, slots=True)
class Receipt:
    recipient: str  # the participant id, e-mail address or postal address it went to
    reference: str  # the provider's message id, the Message-ID, or the file written


class Renditions:
    """The files of one document: the issued ones as stored, the rest made once on first use, in a thread
    (rendering PDFs and e-invoices is CPU work that must not stall the worker's event loop, which renews job
    leases)."""

    def __init__(self, document: Document, issued: Mapping[str, bytes] | None = None) -> None:
        self.document = document
        self._made: dict[str, bytes] = dict(issued or {})

    async def pdf(self) -> bytes:
        return await self._make("pdf", for_print=False)

    async def print_pdf(self) -> bytes:
        return await self._make("print", for_print=True)

    async def ubl(self) -> bytes:
        if "ubl" not in self._made:
            self._made["ubl"] = await asyncio.to_thread(write, self.document, UblFormat.PEPPOL)
        return self._made["ubl"]

    async def _make(self, key: str, *, for_print: bool) -> bytes:
        if key not in self._made:
            self._made[key] = await asyncio.to_thread(render, self.document, for_print=for_print)
        return self._made[key]


@dataclass(frozen=True)
class Outgoing:
    """One invoice on its way to the buyer, as every channel sees it."""

    delivery_id: str
    document: Document
    amount_due: int  # what is still owed now (payments may have come since the document was issued)
    issued: Mapping[str, bytes] = field(default_factory=dict, compare=False)  # "pdf", "ubl": stored files
    renditions: Renditions = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "renditions", Renditions(self.document, self.issued))

    @property
    def is_corporate(self) -> bool:
        return self.document.buyer.buyer_type is BuyerType.CORPORATE

    @property
    def file_stem(self) -> str:
        """`INV-42_idl_01...`: readable, unique across merchants (their numbers repeat), and the same on
        every run of one delivery, so a job run again after a crash rewrites its file, never adds one."""
        return f"{safe_name(self.document.number)}_{self.delivery_id}"


def safe_name(text: str) -> str:
    """A document number as a file name: letters, digits, dots and dashes only."""
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("._")[:60] or "invoice"


def postal_address(document: Document) -> Address | None:
    """The buyer's address when it is complete enough for a letter: street, postcode, city, country."""
    address = document.buyer.address
    if address is None or not all((address.street, address.zip, address.city, address.country)):
        return None
    return address


class Channel(Protocol):
    name: ChannelName

    async def reach(self, outgoing: Outgoing) -> str:
        """The buyer's address on this channel; raises NotApplicable when there is none, ChannelFailed
        when finding out failed (a lookup service down)."""
        ...

    async def deliver(self, outgoing: Outgoing, recipient: str) -> Receipt:
        """Hand the invoice over; raises ChannelFailed when it was refused or could not be sent."""
        ...
