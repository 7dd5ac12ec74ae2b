"""Post: a print-ready PDF for a letter, to a print folder or a print provider's HTTP API.

The folder (`<data_dir>/outbox/print/`, the local default) gets `<number>_<delivery id>.pdf` and, written
first, `<number>_<delivery id>.json` with the address to print on the envelope window. The provider
(FAKTURA_PRINT_URL) gets one JSON request with the same fields and the PDF in base64; docs/api/delivery.md
has the contract.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Protocol

import orjson

from faktura.documents.model import Address, Party
from faktura.invoices.delivery import outbound
from faktura.invoices.delivery.channel import NotApplicable, Outgoing, Receipt, postal_address
from faktura.invoices.delivery.files import write_atomically
from faktura.invoices.delivery.states import ChannelName


def _address(party: Party, address: Address | None) -> dict[str, str | None] | None:
    if address is None:
        return None
    return {
        "name": party.name,
        "street": address.street,
        "additional": address.additional,
        "zip": address.zip,
        "city": address.city,
        "country": address.country,
    }


def letter(outgoing: Outgoing) -> dict[str, Any]:
    """What the printer needs besides the PDF: who it goes to, who it is from, and which document."""
    document = outgoing.document
    return {
        "reference": outgoing.delivery_id,
        "documentNumber": document.number,
        "language": document.language,
        "recipient": _address(document.buyer, postal_address(document)),
        "sender": _address(document.seller, document.seller.address),
    }


def one_line(party: Party, address: Address) -> str:
    """`Kari Nordmann, Storgata 1, 0155 Oslo, NO`: the address as the attempt log shows it."""
    parts = (party.name, address.street, address.additional, f"{address.zip} {address.city}", address.country)
    return ", ".join(part for part in parts if part)


class Printer(Protocol):
    async def print(self, outgoing: Outgoing, pdf: bytes) -> str:
        """Hand the letter over; returns its reference (file name, provider's id)."""
        ...


class PrintFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def print(self, outgoing: Outgoing, pdf: bytes) -> str:
        name = f"{outgoing.file_stem}.pdf"
        sidecar = {**letter(outgoing), "pdf": name}
        # The sidecar first: whoever sees the PDF finds its address already there.
        await write_atomically(self.folder / f"{outgoing.file_stem}.json", orjson.dumps(sidecar))
        await write_atomically(self.folder / name, pdf)
        return name


class PrintService:
    """POST JSON with the PDF in base64; the delivery id is the Idempotency-Key (no letter twice)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def print(self, outgoing: Outgoing, pdf: bytes) -> str:
        body = {**letter(outgoing), "pdf": base64.b64encode(pdf).decode("ascii")}
        headers = {"content-type": "application/json", "idempotency-key": outgoing.delivery_id}
        response = await outbound.request(
            "POST", self.url, "print_provider", content=orjson.dumps(body), headers=headers
        )
        outbound.check_accepted(response, "print_provider")
        return outbound.provider_id(response, outgoing.delivery_id)


class PostChannel:
    name = ChannelName.POST

    def __init__(self, printer: Printer) -> None:
        self.printer = printer

    async def reach(self, outgoing: Outgoing) -> str:
        address = postal_address(outgoing.document)
        if address is None:
            raise NotApplicable(
                "no_postal_address", "The buyer has no complete postal address (street, zip, city, country)."
            )
        return one_line(outgoing.document.buyer, address)

    async def deliver(self, outgoing: Outgoing, recipient: str) -> Receipt:
        pdf = await outgoing.renditions.print_pdf()
        return Receipt(recipient, await self.printer.print(outgoing, pdf))
