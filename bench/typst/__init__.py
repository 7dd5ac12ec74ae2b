"""The invoice typeset by Typst (the `typst` package), a renderer the bench measures beside ReportLab.

It was a candidate for the service's PDFs: as fast as ReportLab when the very same document is compiled
again (Typst memoises its layout), several times slower once every document differs, which is what the
bench measures. The template takes the document's view as JSON; a logo is drawn when it is an SVG.
"""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import Any

import orjson
import typst

from faktura.documents.i18n import Texts
from faktura.documents.model import Document
from faktura.documents.pdf import guard, tint
from faktura.documents.pdf.view import PartyView, Row, build

HERE = Path(__file__).parent
_local = threading.local()


def render(document: Document, *, for_print: bool = False) -> bytes:
    compiler = getattr(_local, "compiler", None)
    if compiler is None:
        # The template's folder is the root: the only files Typst may read are its own.
        compiler = _local.compiler = typst.Compiler(str(HERE / "document.typ"), root=str(HERE))
    pdf = compiler.compile(
        format="pdf", sys_inputs={"data": data(document, for_print)}, timestamp=0, pdf_tags=False
    )
    assert isinstance(pdf, bytes)
    return pdf


def data(document: Document, for_print: bool) -> str:
    t = Texts.of(document.language)
    accent = guard.accent_color(document.branding)
    v = build(document, t)
    heads = [t("col_description"), t("col_quantity"), t("col_unit"), v.unit_price_label]
    heads += [t("col_discount")] if v.has_discounts else []
    heads += [t("col_vat_rate"), t("col_net_amount")]
    lines = [
        (
            n.description,
            n.quantity,
            n.unit,
            n.unit_price,
            *([n.discount] if v.has_discounts else []),
            n.vat_rate,
            n.net_amount,
        )
        for n in v.lines
    ]
    fields: dict[str, Any] = {
        "print": for_print,
        "accent": None if for_print else accent,
        "tint": tint(accent) if accent and not for_print else None,
        "logo": _svg(guard.logo_uri(document.branding)),
        "lang": v.language,
        "title": v.title,
        "number": v.number,
        "seller": _party(v.seller),
        "buyer": _party(v.buyer),
        "footer": " · ".join((v.seller.name, *v.seller.address, *v.seller.identifiers)),
        "return_address": ", ".join((v.seller.name, *v.seller.address)),
        "facts": _rows(v.facts),
        "credits": v.credits,
        "heads": heads,
        "has_discounts": v.has_discounts,
        "lines": lines,
        "amounts_in": t("amounts_in", currency=v.currency),
        "vat_heading": t("vat_heading"),
        "vat_heads": [t("col_taxable_amount"), t("col_rate"), t("col_vat_amount")],
        "vat": [(tax.taxable_amount, tax.rate, tax.tax_amount, tax.reason) for tax in v.vat],
        "totals": _rows(v.totals),
        "payment_heading": t("payment_heading"),
        "payment": _rows(v.payment),
        "pay_online": t("pay_online"),
        "pay_url": v.pay_url,
        "notes": list(v.notes),
    }
    return orjson.dumps(fields).decode()


def _party(party: PartyView) -> dict[str, Any]:
    return {
        "name": party.name,
        "address": party.address,
        "identifiers": party.identifiers,
        "contact": party.contact,
    }


def _rows(rows: tuple[Row, ...]) -> list[tuple[str, str, bool]]:
    return [(row.label, row.value, row.strong) for row in rows]


def _svg(uri: str | None) -> str | None:
    if uri is None or not uri.lower().startswith("data:image/svg+xml;base64,"):
        return None
    return base64.b64decode(uri.partition(",")[2]).decode("utf-8", errors="replace")
