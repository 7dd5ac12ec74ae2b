"""EHF / PEPPOL: is the buyer a registered participant, and hand the UBL to the network.

The participant directory is a file of `scheme:identifier` lines (the local default) or an HTTP lookup
service; the transport is a folder an access point picks documents up from (the local default) or an
access-point provider's HTTP API. docs/api/delivery.md describes both HTTP contracts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from faktura.invoices.delivery import outbound
from faktura.invoices.delivery.channel import ChannelFailed, NotApplicable, Outgoing, Receipt
from faktura.invoices.delivery.files import write_atomically
from faktura.invoices.delivery.states import ChannelName

# PEPPOL Policy for use of Identifiers 4.x: `busdox-docid-qns` document types (root namespace::element
# ## CustomizationID (BT-24) :: UBL version) and the process (ProfileID, BT-23) of BIS Billing 3.0.
INVOICE_DOCUMENT_TYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
CREDIT_NOTE_DOCUMENT_TYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
_SCHEME_PREFIX = "iso6523-actorid-upis::"


def normalize_participant(value: str) -> str:
    """`iso6523-actorid-upis::0192:921605900` and ` 0192:921605900 ` both read `0192:921605900`;
    PEPPOL participant ids compare case-insensitively."""
    value = value.strip().lower()
    return value.removeprefix(_SCHEME_PREFIX)


class ParticipantLookup(Protocol):
    async def registered(self, participant: str) -> bool: ...


class ParticipantsFile:
    """A text file, one `scheme:identifier` per line, `#` starts a comment. Read on every lookup, so an
    edit counts at once; a missing file registers nobody."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def participants(self) -> frozenset[str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return frozenset()
        except (OSError, UnicodeDecodeError) as exc:
            raise ChannelFailed("peppol_lookup_failed", f"Could not read {self.path}: {exc}") from exc
        lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
        return frozenset(normalize_participant(line) for line in lines if line)

    async def registered(self, participant: str) -> bool:
        found = await asyncio.to_thread(self.participants)
        return normalize_participant(participant) in found


class LookupService:
    """`GET <url>/<scheme>:<identifier>`: 200 is registered, 404 is not; anything else is a failure."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    async def registered(self, participant: str) -> bool:
        url = f"{self.url}/{quote(normalize_participant(participant), safe=':')}"
        response = await outbound.request("GET", url, "peppol_lookup")
        if response.status_code == 404:
            return False
        if response.status_code == 200:
            return True
        raise ChannelFailed(
            "peppol_lookup_failed", f"{url}: HTTP {response.status_code}: {outbound.excerpt(response)}"
        )


class EhfTransport(Protocol):
    async def send(self, outgoing: Outgoing, ubl: bytes, receiver: str) -> str:
        """Hand the document over; returns its reference (file name, provider's message id)."""
        ...


class FolderDrop:
    """`<folder>/<number>_<delivery id>.xml`, for an access point that collects files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, outgoing: Outgoing, ubl: bytes, receiver: str) -> str:
        name = f"{outgoing.file_stem}.xml"
        await write_atomically(self.folder / name, ubl)
        return name


class AccessPoint:
    """An access-point provider's API: POST the UBL with the PEPPOL envelope's ids as headers. The
    delivery id is the Idempotency-Key, so a job run again after a crash does not send twice."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def send(self, outgoing: Outgoing, ubl: bytes, receiver: str) -> str:
        seller = outgoing.document.seller.electronic_address
        if seller is None:
            raise ChannelFailed(
                "no_sender_participant", "The merchant has no PEPPOL participant id (organisation number)."
            )
        document_type = (
            CREDIT_NOTE_DOCUMENT_TYPE if outgoing.document.is_credit_note else INVOICE_DOCUMENT_TYPE
        )
        headers = {
            "content-type": "application/xml",
            "idempotency-key": outgoing.delivery_id,
            "peppol-sender-id": str(seller),
            "peppol-receiver-id": receiver,
            "peppol-document-type-id": document_type,
            "peppol-process-id": BILLING_PROCESS,
        }
        response = await outbound.request("POST", self.url, "access_point", content=ubl, headers=headers)
        outbound.check_accepted(response, "access_point")
        return outbound.provider_id(response, outgoing.delivery_id)


class EhfChannel:
    name = ChannelName.EHF

    def __init__(self, lookup: ParticipantLookup, transport: EhfTransport) -> None:
        self.lookup = lookup
        self.transport = transport

    async def reach(self, outgoing: Outgoing) -> str:
        address = outgoing.document.buyer.electronic_address
        if address is None:
            raise NotApplicable("no_participant_id", "The buyer has no PEPPOL participant id.")
        participant = normalize_participant(str(address))
        if not await self.lookup.registered(participant):
            raise NotApplicable("not_a_participant", f"{participant} is not a registered PEPPOL participant.")
        return participant

    async def deliver(self, outgoing: Outgoing, recipient: str) -> Receipt:
        ubl = await outgoing.renditions.ubl()
        return Receipt(recipient, await self.transport.send(outgoing, ubl, recipient))
