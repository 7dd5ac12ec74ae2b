"""The same documents drawn by the former renderer (WeasyPrint) and the current one (ReportLab), as PDFs
and page images side by side for a person to compare, and the words each printed.

`python -m bench.pdf_pages` writes artifacts/pdf/<case>.weasyprint-<page>.png and .reportlab-<page>.png
(pdftoppm, from Debian's poppler-utils) and prints, for each case, any word one renderer printed and the
other did not. The former renderer needs the system's Pango.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable

from bench import runs
from bench.weasyprint import render as render_weasyprint
from faktura.documents import pdf
from faktura.documents.model import Address, Branding, Document, DocumentKind, Party, PaymentInstructions
from faktura.totals.calculator import TaxCategory
from tests.documents_pdf.documents import DUE, ITEMS, KID, Item, document
from tests.documents_pdf.pdftext import text

OUT = runs.ROOT / "artifacts" / "pdf"
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="48"><rect width="160" height="48" rx="8" '
    'fill="#0b6e4f"/><circle cx="24" cy="24" r="14" fill="#ffffff"/></svg>'
)
SWEDISH = Party(
    name="Kafferosteriet i Malmö AB",
    country="SE",
    address=Address(street="Södra Förstadsgatan 20", zip="211 43", city="Malmö", country="SE"),
    organization_number="5566778899",
    vat_number="SE556677889901",
)


def cases() -> dict[str, tuple[Document, bool]]:
    """Each case: the document, and whether it is the posted (print) variant."""
    many = (
        tuple(
            Item(f"Konsulenttime {n}: integrasjon mot regnskapssystem", str(1 + n % 4), 125000, unit="HUR")
            for n in range(45)
        )
        + ITEMS
    )
    branded = Branding(
        color="#0b6e4f", logo="data:image/svg+xml;base64," + base64.b64encode(LOGO.encode()).decode()
    )
    found: dict[str, tuple[Document, bool]] = {}
    for language in ("nb", "en", "sv", "da", "de"):
        found[f"invoice-{language}"] = (document(language=language), False)
    found["credit-note-de"] = (document(language="de", kind=DocumentKind.CREDIT_NOTE), False)
    found["posted-nb"] = (document(), True)
    found["branded-en"] = (document(language="en", branding=branded), False)
    found["partly-paid-sv"] = (document(language="sv", prepaid=200000), False)
    found["paid-da"] = (document(language="da", prepaid=542773), False)
    found["iban-reverse-charge-en"] = (
        document(
            (
                Item(
                    "Installation of a coffee bar",
                    "1",
                    2500000,
                    rate="0",
                    category=TaxCategory.REVERSE_CHARGE,
                ),
            ),
            language="en",
            buyer=SWEDISH,
            payment=PaymentInstructions(due_date=DUE, kid=KID, iban="NO9386011117947", bic="DNBANOKKXXX"),
        ),
        False,
    )
    found["long-en"] = (document(many, language="en"), False)
    found["long-values-nb"] = (
        dataclasses.replace(document(), note="n" * 300, order_reference="p" * 120, buyer_reference="r" * 80),
        False,
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    renderers: dict[str, Callable[..., bytes]] = {"weasyprint": render_weasyprint, "reportlab": pdf.render}
    for case, (doc, for_print) in cases().items():
        words: dict[str, Counter[str]] = {}
        for name, render in renderers.items():
            content = render(doc, for_print=for_print)
            target = OUT / f"{case}.{name}.pdf"
            target.write_bytes(content)
            words[name] = Counter(re.findall(r"\w+", text(content)))
            if pdftoppm:
                subprocess.run(
                    [pdftoppm, "-r", str(args.dpi), "-png", target, OUT / f"{case}.{name}"], check=True
                )
        only_old = words["weasyprint"] - words["reportlab"]
        only_new = words["reportlab"] - words["weasyprint"]
        verdict = (
            "same words"
            if not (only_old or only_new)
            else f"only WeasyPrint {dict(only_old)}, only ReportLab {dict(only_new)}"
        )
        print(f"{case}: {verdict}")
    if not pdftoppm:
        print("pdftoppm not found (apt-get install poppler-utils): PDFs written, no page images")
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
