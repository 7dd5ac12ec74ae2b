"""A document as an e-invoice: `write(document, UblFormat.PEPPOL)` gives PEPPOL BIS Billing 3.0 / EHF,
`UblFormat.OIOUBL` the Danish OIOUBL 2.1, both as UTF-8 XML with a declaration.

A document is refused (a `Conflict`) rather than written when no receiver could accept it:
- `document_inconsistent`: its figures break the EN 16931 arithmetic (`faktura.documents.checks`);
- `ubl_currency_unsupported`: its currency has three decimals (KWD, BHD ...), which both profiles forbid
  (BR-DEC-01..28 allow at most two decimals, OIOUBL F-LIB250/F-LIB261 demand exactly two), and no
  amount may be rounded to fit; or, in OIOUBL only, a currency without decimals leaves a standard-rated
  amount of a few units with no VAT, which F-LIB381 takes for an error (`oioubl.unrepresentable`);
- `ubl_seller_unaddressable`: the seller has neither an electronic address (in a scheme the profile
  knows) nor an organisation number one could be derived from (PEPPOL-EN16931-R020, F-INV031).
"""

from __future__ import annotations

from faktura.documents.checks import check
from faktura.documents.errors import DocumentInconsistent, UblCurrencyUnsupported, UblSellerUnaddressable
from faktura.documents.model import Document
from faktura.documents.ubl import oioubl, peppol
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.xmlbuild import electronic_address, serialize
from faktura.kit.currencies import get_currency
from faktura.kit.errors import FieldError

MAX_DECIMALS = 2


def write(document: Document, fmt: UblFormat) -> bytes:
    """The e-invoice of `document` in `fmt`; raises Conflict when it cannot be written (see above)."""
    fmt = UblFormat(fmt)
    refuse_unwritable(document, fmt)
    build = peppol.build if fmt is UblFormat.PEPPOL else oioubl.build
    return serialize(build(document))


def refuse_unwritable(document: Document, fmt: UblFormat) -> None:
    """Raise the Conflict that `write` would; return when `document` can be written in `fmt`."""
    problems = check(document)
    if problems:
        rules = ", ".join(dict.fromkeys(problem.rule for problem in problems))
        raise DocumentInconsistent(
            f"The document's figures do not add up ({rules}): {problems[0].message}",
            details=[
                FieldError(problem.rule, "document_inconsistent", problem.message) for problem in problems
            ],
        )
    exponents = {document.currency: document.exponent}
    if document.accounting_currency is not None:
        code = document.accounting_currency.currency
        exponents[code] = get_currency(code).exponent
    for code, exponent in exponents.items():
        if exponent > MAX_DECIMALS:
            raise UblCurrencyUnsupported(
                f"{code} amounts have {exponent} decimals; PEPPOL and OIOUBL e-invoices allow at most "
                f"{MAX_DECIMALS} (BR-DEC-01, BR-DEC-15), so this document has no e-invoice."
            )
    reason = oioubl.unrepresentable(document) if fmt is UblFormat.OIOUBL else None
    if reason is not None:
        raise UblCurrencyUnsupported(reason)
    addressable = (
        electronic_address(document.seller) is not None
        if fmt is UblFormat.PEPPOL
        else oioubl.endpoint(document.seller) is not None
    )
    if not addressable:
        raise UblSellerUnaddressable(
            f"The seller needs an electronic address or an organisation number to issue a {fmt.value} "
            "e-invoice (PEPPOL-EN16931-R020, OIOUBL F-INV031)."
        )
