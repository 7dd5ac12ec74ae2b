"""OIOUBL invoices as FarPay's clients write them, built after the structure of FarPay's own example
(ApiDoc, Example/AttachPaymentToInvoice/InvoiceExample.md): every element declaring its namespace, a
2.0 UBLVersionID with OIOUBL-2.01, a consumer with no name and the e-mail address in StreetName, dashes
and zeros where the writer had nothing, `ZeroRated` VAT, and the FarPay extension with the order token."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from faktura.kit.db import Database
from tests.factories import Api, order_body
from tests.invoices.helpers import move_order, order_token, receive_payment

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"


def b(name: str, text: object, **attrs: str) -> str:
    """A cbc element declaring its namespace, as FarPay's example writes each one."""
    attributes = "".join(f' {key}="{escape(value)}"' for key, value in attrs.items())
    return f'<{name}{attributes} xmlns="{CBC}">{escape(str(text))}</{name}>'


def a(name: str, *children: str) -> str:
    return f'<{name} xmlns="{CAC}">{"".join(children)}</{name}>'


@dataclass
class Line:
    description: str
    quantity: Decimal
    price: Decimal  # major units, net
    rate: Decimal  # VAT percent

    @property
    def net(self) -> Decimal:
        return (self.quantity * self.price).quantize(Decimal("0.01"))


@dataclass
class Invoice:
    seller_org: str = "923456783"
    seller_country: str = "NO"
    currency: str = "NOK"
    number: str = "187505511"
    customization: str = "OIOUBL-2.01"
    version: str = "2.0"
    buyer_name: str = ""
    buyer_email: str = "receiver@company.inc"
    lines: list[Line] = field(
        default_factory=lambda: [Line("Produkt 2", Decimal(1), Decimal("99.00"), Decimal(0))]
    )
    order_token: str | None = None
    capture_amount: str | None = None
    extra_root: str = ""  # more elements at the root's end

    def taxes(self) -> dict[Decimal, tuple[Decimal, Decimal]]:
        groups: dict[Decimal, tuple[Decimal, Decimal]] = {}
        for line in self.lines:
            base, _ = groups.get(line.rate, (Decimal(0), Decimal(0)))
            base += line.net
            groups[line.rate] = (base, (base * line.rate / 100).quantize(Decimal("0.01")))
        return groups

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return sum((tax for _, tax in self.taxes().values()), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    def xml(self) -> str:
        cur = {"currencyID": self.currency}
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<Invoice xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
            + self._extension()
            + b("UBLVersionID", self.version)
            + b("CustomizationID", self.customization)
            + b(
                "ProfileID",
                "urn:www.nesubl.eu:profiles:profile5:ver2.0",
                schemeID="urn:oioubl:id:profileid-1.2",
            )
            + b("ID", self.number)
            + b("IssueDate", "2025-05-05")
            + b("InvoiceTypeCode", "380", listID="urn:oioubl:codelist:invoicetypecode-1.1")
            + b("DocumentCurrencyCode", self.currency)
            + self._seller()
            + self._buyer()
            + a(
                "PaymentMeans",
                b("ID", "888887888"),
                b("PaymentMeansCode", "93"),
                b("PaymentDueDate", "2025-05-05"),
                b("PaymentChannelCode", "DK:FIK", listID="urn:oioubl:codelist:paymentchannelcode-1.1"),
                b("InstructionID", "000000000111111"),
                b("PaymentID", "71"),
                a("CreditAccount", b("AccountID", "88888888")),
            )
            + a(
                "TaxTotal",
                b("TaxAmount", self.tax, **cur),
                *(self._subtotal(rate, base, tax) for rate, (base, tax) in self.taxes().items()),
            )
            + a(
                "LegalMonetaryTotal",
                b("LineExtensionAmount", self.net, **cur),
                b("TaxExclusiveAmount", self.tax, **cur),  # OIOUBL: the VAT total (F-INV127)
                b("TaxInclusiveAmount", self.total, **cur),
                b("PayableAmount", self.total, **cur),
            )
            + "".join(self._line(n, line) for n, line in enumerate(self.lines, 1))
            + self.extra_root
            + "</Invoice>"
        )

    def data(self) -> str:
        return base64.b64encode(self.xml().encode()).decode()

    def _extension(self) -> str:
        if self.order_token is None:
            return ""
        capture = f"<CaptureAmount>{self.capture_amount}</CaptureAmount>" if self.capture_amount else ""
        return (
            f'<UBLExtensions xmlns="{EXT}"><UBLExtension>{b("ID", "FarPay")}<ExtensionContent>'
            f"<FarPay>{capture}<OrderToken>{self.order_token}</OrderToken></FarPay>"
            "</ExtensionContent></UBLExtension></UBLExtensions>"
        )

    def _seller(self) -> str:
        cvr = f"{self.seller_country}{self.seller_org}"
        return a(
            "AccountingSupplierParty",
            a(
                "Party",
                a("PartyName", b("Name", "MINVIRKSOMHED")),
                a(
                    "PostalAddress",
                    b("StreetName", "Rådhuspladsen"),
                    b("BuildingNumber", "3"),
                    b("CityName", "København K"),
                    b("PostalZone", "1147"),
                    a("Country", b("IdentificationCode", self.seller_country)),
                ),
                a("PartyLegalEntity", b("CompanyID", cvr, schemeID="DK:CVR")),
            ),
        )

    def _buyer(self) -> str:
        return a(
            "AccountingCustomerParty",
            b("AdditionalAccountID", "112233445566", schemeID="CustomerNumber"),
            a(
                "Party",
                b("EndpointID", "0000000000000", schemeID="GLN"),
                a("PartyIdentification", b("ID", "DK00000000", schemeID="DK:CVR")),
                a("PartyName", b("Name", self.buyer_name)),
                a(
                    "PostalAddress",
                    b("StreetName", self.buyer_email),
                    b("BuildingNumber", "-"),
                    b("PostalZone", "-"),
                    a("Country", b("IdentificationCode", "DK")),
                ),
                a("PartyLegalEntity", b("CompanyID", "DK00000000", schemeID="DK:CVR")),
                a("Contact", b("ID", "-"), b("ElectronicMail", self.buyer_email), b("Note", "new note")),
            ),
        )

    def _subtotal(self, rate: Decimal, base: Decimal, tax: Decimal) -> str:
        cur = {"currencyID": self.currency}
        category = "StandardRated" if rate else "ZeroRated"
        return a(
            "TaxSubtotal",
            b("TaxableAmount", base, **cur),
            b("TaxAmount", tax, **cur),
            a(
                "TaxCategory",
                b("ID", category, schemeID="urn:oioubl:id:taxcategoryid-1.1"),
                b("Percent", f"{rate:.2f}"),
                a("TaxScheme", b("ID", "63", schemeID="urn:oioubl:id:taxschemeid-1.1"), b("Name", "Moms")),
            ),
        )

    def _line(self, position: int, line: Line) -> str:
        cur = {"currencyID": self.currency}
        tax = (line.net * line.rate / 100).quantize(Decimal("0.01"))
        return a(
            "InvoiceLine",
            b("ID", position),
            b("InvoicedQuantity", line.quantity, unitCode="EA"),
            b("LineExtensionAmount", line.net, **cur),
            a("TaxTotal", b("TaxAmount", tax, **cur), self._subtotal(line.rate, line.net, tax)),
            a(
                "Item",
                b("Description", line.description),
                b("Name", "N/A"),
                a("SellersItemIdentification", b("ID", "123456789")),
            ),
            a("Price", b("PriceAmount", line.price, **cur), b("BaseQuantity", "1", unitCode="EA")),
        )


# The lines of `order_body()`: 2 x 100.00 at 25 % and 1 x 200.00 at 15 % = 480.00 with VAT.
ORDER_LINES = [
    Line("Widget", Decimal(2), Decimal("100.00"), Decimal(25)),
    Line("Cookbook", Decimal(1), Decimal("200.00"), Decimal(15)),
]


async def paid_order(api: Api, database: Database) -> tuple[dict[str, Any], str, str]:
    """An anonymous order paid on its hosted page, the money held on it waiting for an invoice; with
    its payment's id and its token."""
    order = await api.created("/api/v1/Orders", order_body())
    await move_order(database, api.merchant_id, order["id"], "open", "paid")
    payment_id = await receive_payment(database, api.merchant_id, order["total"], order_id=order["id"])
    return order, payment_id, await order_token(database, api.merchant_id, order["id"])
