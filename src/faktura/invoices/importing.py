"""A UBL invoice handed to Faktura becomes a draft invoice (`POST /api/v1/Invoices/import`). Never commits.

The merchant is the document's seller: a merchant whose system writes its own UBL (FarPay's Deliveries
hand over OIOUBL this way) lets Faktura number, send and collect it. The buyer becomes a customer, found
by organisation number or e-mail, else created. The lines are priced again by Faktura's calculator and
every total must come out as the document states; a document whose figures disagree is refused with the
element paths, never stored with other numbers than the buyer received.

A document carrying FarPay's extension names a paid order by its token: the invoice is made from that
order (its lines must give the document's totals), for the order's customer or, for an order paid
without one, for the document's buyer; the extension's CaptureAmount must be what the order holds.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.customers import service as customers
from faktura.customers.schemas import CustomerCreate
from faktura.documents.errors import DocumentInvalid
from faktura.documents.model import BuyerType, Document, Party
from faktura.documents.ubl.read import CAPTURE_AMOUNT, ORDER_TOKEN, ReadResult, read
from faktura.invoices import drafts, service, settlement
from faktura.invoices.errors import CaptureAmountMismatch
from faktura.invoices.schemas import InvoiceCreate, InvoiceOut
from faktura.kit.currencies import from_minor, to_minor
from faktura.kit.errors import FieldError, ValidationFailed
from faktura.merchants import service as merchants
from faktura.orders import service as orders
from faktura.orders.schemas import OrderItemIn
from faktura.parties.schemas import AddressIn

# The totals a draft and the document must agree on, with where the document states them.
_TOTALS = (
    ("subtotal", "cac:LegalMonetaryTotal/cbc:LineExtensionAmount"),
    ("tax_exclusive_amount", "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"),
    ("tax_total", "cac:TaxTotal/cbc:TaxAmount"),
    ("tax_inclusive_amount", "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"),
)
_ORDER_FIELDS = frozenset({"orderToken", "customerId"})
PAYABLE_AMOUNT = "cac:LegalMonetaryTotal/cbc:PayableAmount"


async def import_document(session: AsyncSession, merchant_id: str, data: bytes) -> InvoiceOut:
    return await import_read(session, merchant_id, read(data))


async def import_read(session: AsyncSession, merchant_id: str, result: ReadResult) -> InvoiceOut:
    """The draft invoice of a document already read (`read`)."""
    document = _readable(result)
    await _check_seller(session, merchant_id, document.seller)
    if result.order_token is not None:
        # The document's lines bill the order: they are what the buyer received (FarPay's order asks for
        # an amount only); the order's money moves to the invoice as it is issued.
        body = InvoiceCreate(
            order_token=result.order_token,
            customer_id=await _order_customer(session, merchant_id, result.order_token, document),
            currency=document.currency,
            prices_include_tax=False,
            items=[_item(document, index) for index in range(len(document.lines))],
            reference=document.buyer_reference,
            note=document.note,
        )
    else:
        customer_id = await _customer(session, merchant_id, document.buyer, document.language)
        body = InvoiceCreate(
            customer_id=customer_id,
            currency=document.currency,
            prices_include_tax=False,
            items=[_item(document, index) for index in range(len(document.lines))],
            reference=document.buyer_reference,
            note=document.note,
            issue_date=None,
        )
    try:
        created = await drafts.create(session, merchant_id, body, own_lines=result.order_token is not None)
    except ValidationFailed as exc:
        if result.order_token is None or not exc.details or type(exc) is not ValidationFailed:
            raise
        # The order is named by the document's OrderToken: the refusal names that element.
        details = [
            FieldError(ORDER_TOKEN if d.field in _ORDER_FIELDS else d.field, d.code, d.message)
            for d in exc.details
        ]
        raise ValidationFailed(exc.message, details=details) from exc
    _check_totals(created, document)
    if result.order_token is not None:
        await _check_order_money(session, merchant_id, created, result.capture_amount)
    return created


async def _order_customer(
    session: AsyncSession, merchant_id: str, token: str, document: Document
) -> str | None:
    """The buyer's customer when the token's order was paid without one; else None (the order's own)."""
    order_id = await drafts.order_id_of_token(session, merchant_id, token)
    order = await orders.find(session, merchant_id, order_id) if order_id else None
    if order is None or order.customer_id is not None:
        return None  # `drafts.create` refuses an unknown token, and keeps the order's customer
    return await _customer(session, merchant_id, document.buyer, document.language)


async def _check_order_money(
    session: AsyncSession, merchant_id: str, created: InvoiceOut, capture: Decimal | None
) -> None:
    """What the order holds moves to the invoice as it is issued: FarPay's CaptureAmount, when given,
    must be exactly that, and the invoice must not be for less (the rest would become credit unasked)."""
    invoice = await service.load(session, merchant_id, created.id, lock=True)
    held = settlement.free_amount(await settlement.held_payments(session, invoice), invoice.currency)
    shown = from_minor(held, invoice.currency)
    if capture is not None and to_minor(capture, invoice.currency, CAPTURE_AMOUNT) != held:
        raise CaptureAmountMismatch(
            "The CaptureAmount is not what the order holds.",
            details=[
                FieldError(
                    CAPTURE_AMOUNT,
                    "capture_amount_mismatch",
                    f"CaptureAmount is {capture}; the order holds {shown} {invoice.currency}.",
                )
            ],
        )
    if invoice.total < held:
        raise ValidationFailed.field(
            PAYABLE_AMOUNT,
            "less_than_order_holds",
            f"The invoice is for {from_minor(invoice.total, invoice.currency)} {invoice.currency}; the order "
            f"holds {shown} {invoice.currency}, which would be more than it owes. Invoice what was paid for.",
        )


def _readable(result: ReadResult) -> Document:
    if result.document is None or result.problems:
        raise DocumentInvalid(
            "The document cannot be imported.",
            details=[FieldError(p.path, p.code, p.message) for p in result.problems],
        )
    document = result.document
    if document.is_credit_note:
        raise ValidationFailed.field(
            "/CreditNote",
            "credit_note_not_importable",
            "Credit notes are issued from invoices, not imported.",
        )
    if document.discount_total:
        raise ValidationFailed.field(
            "cac:AllowanceCharge",
            "document_allowances_unsupported",
            "Document-level allowances cannot be imported; give the discount on the lines.",
        )
    return document


async def _check_seller(session: AsyncSession, merchant_id: str, seller: Party) -> None:
    merchant = await merchants.find(session, merchant_id)
    assert merchant is not None
    ours = merchant.organization_number
    if (
        ours
        and seller.organization_number
        and seller.organization_number.removeprefix(merchant.country) != ours
    ):
        raise ValidationFailed.field(
            "cac:AccountingSupplierParty",
            "seller_mismatch",
            f"The document's seller {seller.organization_number} is not this merchant ({ours}).",
        )


async def _customer(session: AsyncSession, merchant_id: str, buyer: Party, language: str) -> str:
    """The buyer's customer: the one with its organisation number or e-mail, else a new one."""
    found = None
    if buyer.organization_number:
        found = await customers.id_by_organization_number(session, merchant_id, buyer.organization_number)
    if found is None and buyer.email:
        found = await customers.id_by_email(session, merchant_id, buyer.email.lower())
    if found is not None:
        return found
    corporate = buyer.buyer_type is BuyerType.CORPORATE and bool(buyer.organization_number)
    address = buyer.address
    customer = await customers.create(
        session,
        merchant_id,
        CustomerCreate(
            type="corporate" if corporate else "private",
            name=buyer.name,
            email=buyer.email,
            organization_number=buyer.organization_number if corporate else None,
            vat_number=buyer.vat_number if corporate else None,
            address=AddressIn(
                street=address.street, zip=address.zip, city=address.city, country=address.country
            )
            if address
            else None,
            preferred_language="no" if language == "nb" else language,
        ),
    )
    return customer.id


def _item(document: Document, index: int) -> OrderItemIn:
    line = document.lines[index]
    return OrderItemIn(
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        unit_code=line.unit_code,
        tax_rate=line.tax_rate,
        tax_category=line.tax_category,
        tax_exemption_reason=line.tax_exemption_reason,
        net_amount=line.net_amount,
    )


def _check_totals(created: InvoiceOut, document: Document) -> None:
    details = []
    for name, path in _TOTALS:
        expected, got = getattr(document, name), getattr(created, name)
        if got != expected:
            details.append(
                FieldError(path, "totals_mismatch", f"The document says {expected}; its lines give {got}.")
            )
    if details:
        raise DocumentInvalid("The document's totals do not follow from its lines.", details=details)
