"""The e-invoice corpus: every kind of document Faktura can produce, as named `Document`s.

Figures always come from the one totals calculator (`compute_totals`), never typed by hand, so the
corpus checks the writers against what the service really issues. Identifiers are valid (MOD11
organisation numbers, Luhn KIDs and Swedish numbers, GS1 GLNs, IBANs), as the rule sets verify them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from stdnum import luhn

from faktura.documents.model import (
    AccountingCurrency,
    Address,
    BuyerType,
    Document,
    DocumentKind,
    ElectronicAddress,
    InvoiceReference,
    Line,
    Party,
    PaymentInstructions,
    TaxSubtotal,
)
from faktura.kit.currencies import get_currency
from faktura.kit.money import round_half_up
from faktura.totals.calculator import CouponInput, LineInput, TaxCategory, compute_totals

S, Z, E, AE, K, G, NS = (
    TaxCategory.STANDARD,
    TaxCategory.ZERO,
    TaxCategory.EXEMPT,
    TaxCategory.REVERSE_CHARGE,
    TaxCategory.INTRA_COMMUNITY,
    TaxCategory.EXPORT,
    TaxCategory.NOT_SUBJECT,
)
ISSUED = date(2026, 11, 2)

NORDLYS = Party(
    "Nordlys Verktøy AS",
    "NO",
    Address("Strandgata 12", None, "9008", "Tromsø", "NO"),
    organization_number="921605900",
    vat_number="NO921605900MVA",
    electronic_address=ElectronicAddress("0192", "921605900"),
    email="faktura@nordlys.example",
    phone="+47 77 60 00 00",
    contact_name="Ingrid Solberg",
    business_register="Foretaksregisteret",
)
SJAKKLUBB = Party(  # a club below the VAT threshold: no VAT number, and no register entry to print
    "Tromsø Sjakklubb",
    "NO",
    Address("Grønnegata 3", None, "9008", "Tromsø", "NO"),
    organization_number="985399077",
)
KATTEGAT = Party(
    "Kattegat Design ApS",
    "DK",
    Address("Nørregade 7", "2. sal", "8000", "Aarhus C", "DK"),
    organization_number="25313763",
    vat_number="DK25313763",
    electronic_address=ElectronicAddress("0184", "25313763"),
    email="regnskab@kattegat.example",
    contact_name="Mette Holm",
)
VANERN = Party(
    "Vänern Kaffe AB",
    "SE",
    Address("Hamngatan 4", None, "652 24", "Karlstad", "SE"),
    organization_number="5567037485",
    vat_number="SE556703748501",
    electronic_address=ElectronicAddress("0007", "5567037485"),
    phone="+46 54 10 20 30",
    business_register="Godkänd för F-skatt",
)
FJORDBYGG = Party(
    "Fjordkraft Bygg AS",
    "NO",
    Address("Kongens gate 40", None, "7011", "Trondheim", "NO"),
    organization_number="974760673",
    vat_number="NO974760673MVA",
    electronic_address=ElectronicAddress("0192", "974760673"),
    contact_name="Ola Berg",
)
KARI = Party(
    "Kari Nordmann",
    "NO",
    Address("Thereses gate 15", "H0302", "0452", "Oslo", "NO"),
    email="kari@example.no",
    buyer_type=BuyerType.PRIVATE,
)
SKOLE = Party(
    "Den Lille Skole",
    "DK",
    Address("Fredericiavej 10", None, "3000", "Helsingør", "DK"),
    organization_number="10150817",
    vat_number="DK10150817",
    electronic_address=ElectronicAddress("0088", "5798009811578"),
    contact_name="Hans Hansen",
)
GOTA = Party(
    "Göta Bygg AB",
    "SE",
    Address("Södra vägen 21", None, "412 54", "Göteborg", "SE"),
    organization_number="5560360793",
    vat_number="SE556036079301",
    electronic_address=ElectronicAddress("0007", "5560360793"),
)
SVEN = Party(
    "Sven Svensson", "SE", Address("Storgatan 9", None, "903 26", "Umeå", "SE"), buyer_type=BuyerType.PRIVATE
)
SAIMAA = Party(
    "Saimaa Teknologia Oy",
    "FI",
    Address("Kauppakatu 14", None, "53100", "Lappeenranta", "FI"),
    vat_number="FI01011385",
    electronic_address=ElectronicAddress("0216", "003701011385"),
)
SAKURA = Party(
    "Sakura Trading KK",
    "JP",
    Address("1-1 Marunouchi", None, "100-0005", "Tokyo", "JP"),
    electronic_address=ElectronicAddress("0221", "T4010001008772"),
)
GULF = Party(
    "Gulf Marine Supplies WLL", "KW", Address("Ahmad Al Jaber St", None, "13001", "Kuwait City", "KW")
)

ACCOUNTS = {  # seller -> (domestic account, IBAN, BIC)
    "NO": ("86011117947", "NO9386011117947", "DNBANOKK"),
    "DK": ("00400440116243", "DK5000400440116243", "DABADKKK"),
    "SE": (None, "SE4550000000058398257466", "ESSESESS"),
}


@dataclass(frozen=True, slots=True)
class Item:
    description: str
    quantity: str
    unit_price: int
    category: TaxCategory = S
    rate: str = "25"
    discount: int = 0
    unit: str = "EA"
    coupon: bool = True
    fee: bool = False
    product_id: str | None = None


def document(
    number: str,
    seller: Party,
    buyer: Party,
    items: list[Item],
    *,
    currency: str = "NOK",
    include_tax: bool = False,
    coupon: CouponInput | None = None,
    coupon_code: str | None = None,
    reasons: dict[TaxCategory, str] | None = None,
    buyer_reference: str | None = None,
    order_reference: str | None = None,
    prepaid: int | str = 0,
    accounting: tuple[str, str] | None = None,
    kid: bool = True,
) -> Document:
    """An invoice as the service would issue it; `prepaid="all"` for pay-first, `accounting` a (currency,
    rate) pair giving the VAT also in the seller's accounting currency."""
    exponent = get_currency(currency).exponent
    inputs = [
        LineInput(Decimal(i.quantity), i.unit_price, i.category, Decimal(i.rate), i.discount, i.coupon)
        for i in items
    ]
    totals = compute_totals(inputs, prices_include_tax=include_tax, coupon=coupon)
    reasons = reasons or {}
    lines = tuple(
        Line(
            position=n,
            description=item.description,
            quantity=Decimal(item.quantity),
            unit_code=item.unit,
            unit_price=item.unit_price,
            discount=item.discount,
            tax_category=item.category,
            tax_rate=Decimal(item.rate).quantize(Decimal("0.01")),
            net_amount=figures.net_amount,
            tax_amount=figures.tax_amount,
            gross_amount=figures.gross_amount,
            tax_exemption_reason=reasons.get(item.category),
            is_fee=item.fee,
            product_id=item.product_id,
        )
        for n, (item, figures) in enumerate(zip(items, totals.lines, strict=True), start=1)
    )
    taxes = tuple(
        TaxSubtotal(
            t.category, t.rate, t.taxable_amount, t.tax_amount, t.allowance_amount, reasons.get(t.category)
        )
        for t in totals.taxes
    )
    due = ISSUED + timedelta(days=14)
    account, iban, bic = ACCOUNTS.get(seller.country, (None, None, None))
    payment = PaymentInstructions(
        due,
        kid=_kid(number) if kid else None,
        bank_account=account,
        iban=iban,
        bic=bic,
        payment_url=f"https://pay.example/i/{number.lower()}",
    )
    accounting_currency = None
    if accounting is not None:
        code, rate = accounting
        shift = Fraction(10) ** (get_currency(code).exponent - exponent)
        tax = round_half_up(totals.tax_total * Fraction(Decimal(rate)) * shift)
        accounting_currency = AccountingCurrency(code, Decimal(rate), tax)
    return Document(
        kind=DocumentKind.INVOICE,
        number=number,
        issue_date=ISSUED,
        currency=currency,
        exponent=exponent,
        language={"NO": "nb", "DK": "da", "SE": "sv"}.get(seller.country, "en"),
        seller=seller,
        buyer=buyer,
        lines=lines,
        taxes=taxes,
        prices_include_tax=include_tax,
        subtotal=totals.subtotal,
        discount_total=totals.discount_total,
        tax_exclusive_amount=totals.tax_exclusive_amount,
        tax_total=totals.tax_total,
        tax_inclusive_amount=totals.tax_inclusive_amount,
        rounding_amount=totals.rounding_amount,
        total=totals.total,
        prepaid_amount=totals.total if prepaid == "all" else int(prepaid),
        id=f"inv_{number.lower().replace('-', '')}",
        due_date=due,
        payment=payment,
        buyer_reference=buyer_reference,
        order_reference=order_reference,
        coupon_code=coupon_code,
        accounting_currency=accounting_currency,
    )


def credit_note(
    number: str, invoice: Document, lines: dict[int, str] | None = None, coupon: CouponInput | None = None
) -> Document:
    """A credit note for `invoice`: whole, or for {line position: quantity} of it, priced the same way
    (the invoice's `coupon` again, a line discount in proportion to the quantity credited)."""
    chosen = [line for line in invoice.lines if lines is None or line.position in lines]
    items = [
        Item(
            line.description,
            str(line.quantity if lines is None else lines[line.position]),
            line.unit_price,
            line.tax_category,
            str(line.tax_rate),
            line.discount
            if lines is None
            else _share(line.discount, Decimal(lines[line.position]), line.quantity),
            line.unit_code,
            fee=line.is_fee,
            product_id=line.product_id,
        )
        for line in chosen
    ]
    reasons = {line.tax_category: line.tax_exemption_reason for line in chosen if line.tax_exemption_reason}
    base = document(
        number,
        invoice.seller,
        invoice.buyer,
        items,
        currency=invoice.currency,
        include_tax=invoice.prices_include_tax,
        coupon=coupon,
        coupon_code=invoice.coupon_code if coupon else None,
        reasons=reasons,
        buyer_reference=invoice.buyer_reference,
        order_reference=invoice.order_reference,
    )
    return replace(
        base,
        kind=DocumentKind.CREDIT_NOTE,
        id=f"crn_{number.lower().replace('-', '')}",
        due_date=None,
        payment=None,
        invoice_reference=InvoiceReference(invoice.number, invoice.issue_date),
    )


def _share(amount: int, part: Decimal, whole: Decimal) -> int:
    return round_half_up(Fraction(amount) * Fraction(part) / Fraction(whole))


def _kid(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit()).rjust(8, "0")
    return digits + luhn.calc_check_digit(digits)


def corpus() -> dict[str, Document]:
    """Every named document: each VAT category, discounts and coupons, VAT-inclusive prices, the fee,
    0/2/3-decimal currencies, credit notes, private and corporate buyers in NO, DK, SE and beyond."""
    exempt = {E: "Exempt: health and education services (merverdiavgiftsloven § 3-2)"}
    standard = document(
        "NO-1001",
        NORDLYS,
        FJORDBYGG,
        [
            Item("Snekkerhammer 600 g", "3", 24900, product_id="HAM-600"),
            Item("Matpakke til byggeplass", "2", 8990, rate="15"),
            Item("Transport Trondheim", "1", 35000, rate="12", unit="C62"),
        ],
        buyer_reference="4021 Innkjøp",
        order_reference="PO-7781",
    )
    couponed = document(
        "NO-1002",
        NORDLYS,
        FJORDBYGG,
        [
            Item("Drill 18 V", "2", 189900, discount=20000),
            Item("Bits, sett", "4", 12950, discount=1000),
            Item("Kaffe, 500 g", "6", 6990, rate="15"),
        ],
        coupon=CouponInput(percent_off=Decimal("10")),
        coupon_code="VAR10",
        order_reference="PO-7790",
    )
    rounding = document(
        "NO-1005",
        NORDLYS,
        KARI,
        [
            Item("Skrujern", "1", 9990),
            Item("Kaffe, 500 g", "3", 7990, rate="15"),
            Item("Bok", "1", 34900, Z, "0"),
        ],
        include_tax=True,
    )
    assert rounding.rounding_amount != 0
    dkk = document(
        "DK-2001",
        KATTEGAT,
        SKOLE,
        [
            Item("Whiteboard 120x90", "2", 249500, discount=25000, product_id="WB-120"),
            Item("Tusser, 12 stk", "10", 8900),
            Item("Montering", "1.5", 45000, unit="HUR"),
        ],
        currency="DKK",
        buyer_reference="7778",
    )
    return {
        "no-b2b-standard-rates": standard,
        "no-b2b-line-discount-percent-coupon": couponed,
        "no-b2b-amount-coupon-zero-rated-exempt": document(
            "NO-1003",
            NORDLYS,
            FJORDBYGG,
            [
                Item("Vernehansker", "12", 14900),
                Item("Fagblad, årsabonnement", "1", 129000, Z, "0"),
                Item("HMS-kurs", "2", 249000, E, "0", coupon=False),
            ],
            coupon=CouponInput(amount_off=50000),
            coupon_code="VINTER500",
            reasons=exempt,
            buyer_reference="Prosjekt 88",
        ),
        "no-private-vat-inclusive-fee": document(
            "NO-1004",
            NORDLYS,
            KARI,
            [
                Item("Stikksag", "1", 129900, discount=13000),
                Item("Sagblad, 5 stk", "3", 14990),
                Item("Lyspære LED", "7", 3990, discount=990),
                Item("Fakturagebyr", "1", 5900, coupon=False, fee=True),
            ],
            include_tax=True,
            coupon=CouponInput(percent_off=Decimal("5")),
            coupon_code="VELKOMMEN",
        ),
        "no-private-vat-inclusive-rounding": rounding,
        "no-b2b-exempt": document(
            "NO-1006",
            NORDLYS,
            FJORDBYGG,
            [Item("Førstehjelpskurs", "8", 95000, E, "0", unit="HUR")],
            reasons=exempt,
        ),
        "no-not-subject-to-vat": document(
            "NO-1007",
            SJAKKLUBB,
            KARI,
            [
                Item("Medlemskontingent 2027", "1", 45000, NS, "0"),
                Item("Turneringsavgift", "2", 15000, NS, "0"),
            ],
        ),
        "no-prepaid-pay-first": document(
            "NO-1008", NORDLYS, KARI, [Item("Arbeidslampe", "1", 79900)], include_tax=True, prepaid="all"
        ),
        "no-b2b-partly-prepaid": document(
            "NO-1009", NORDLYS, FJORDBYGG, [Item("Stillas, leie", "14", 45000, unit="DAY")], prepaid=300000
        ),
        "eur-no-seller-vat-in-nok": document(
            "NO-1010",
            NORDLYS,
            FJORDBYGG,
            [Item("Konsulenttime", "7.5", 11500, unit="HUR"), Item("Reise", "1", 45050)],
            currency="EUR",
            accounting=("NOK", "11.6520"),
        ),
        "jpy-b2b-vat-in-nok": document(
            "NO-1011",
            NORDLYS,
            SAKURA,
            [Item("Workshop, Tromsø", "2.5", 48333, unit="HUR"), Item("Materialer", "3", 1999, discount=500)],
            currency="JPY",
            coupon=CouponInput(percent_off=Decimal("7.5")),
            coupon_code="SAKURA",
            accounting=("NOK", "0.0712"),
        ),
        "jpy-export-outside-eu": document(
            "NO-1012",
            NORDLYS,
            SAKURA,
            [Item("Fiskekniv", "4", 12999, G, "0"), Item("Slipestein", "1.25", 3333, G, "0", unit="KGM")],
            currency="JPY",
            buyer_reference="PO 2026-553",
        ),
        "eur-fi-reverse-charge": document(
            "NO-1013",
            NORDLYS,
            SAIMAA,
            [Item("Programvarestøtte, november", "12", 9500, AE, "0", unit="HUR")],
            currency="EUR",
            buyer_reference="SAI-1187",
        ),
        "sek-se-to-dk-intra-community": document(
            "SE-3001",
            VANERN,
            SKOLE,
            [
                Item("Kaffebönor, 1 kg", "20", 21900, K, "0", unit="KGM"),
                Item("Kaffefilter", "10", 3900, K, "0"),
            ],
            currency="SEK",
        ),
        "sek-se-b2b-three-rates": document(
            "SE-3002",
            VANERN,
            GOTA,
            [
                Item("Kaffebryggare", "1", 249000),
                Item("Kaffebönor, 1 kg", "5", 21900, rate="12", unit="KGM"),
                Item("Tidning, prenumeration", "1", 39900, rate="6"),
            ],
            currency="SEK",
            buyer_reference="Göta inköp 14",
        ),
        "sek-se-private-vat-inclusive-amount-coupon": document(
            "SE-3003",
            VANERN,
            SVEN,
            [Item("Kaffebönor, 1 kg", "2", 24900, rate="12", unit="KGM"), Item("Kaffekvarn", "1", 89900)],
            currency="SEK",
            include_tax=True,
            coupon=CouponInput(amount_off=10000),
            coupon_code="KAFFE100",
        ),
        "dkk-dk-b2b-line-discount": dkk,
        "eur-dk-vat-in-dkk": document(
            "DK-2002",
            KATTEGAT,
            SKOLE,
            [Item("Designrådgivning", "6", 12500, unit="HUR")],
            currency="EUR",
            accounting=("DKK", "7.4604"),
            order_reference="5002701",
        ),
        "kwd-three-decimals": document(
            "NO-1014", NORDLYS, GULF, [Item("Marine rope, 50 m", "3", 12345, G, "0")], currency="KWD"
        ),
        "no-credit-note-whole": credit_note("CN-1001", standard),
        "no-credit-note-partial-couponed": credit_note(
            "CN-1002", couponed, {1: "1", 3: "2"}, CouponInput(percent_off=Decimal("10"))
        ),
        "no-credit-note-private-vat-inclusive": credit_note("CN-1005", rounding, {2: "1"}),
        "dkk-dk-credit-note-partial": credit_note("CN-2001", dkk, {3: "0.5"}),
    }
