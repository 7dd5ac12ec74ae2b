"""The document laid out on A4 pages: where each piece of text, rule, shaded box, link and the logo go.

The layout is the one the invoice has always had: the head of the first page (logo, seller, the buyer in
the window of a C5/DL envelope, the facts), the lines with their column heads repeated on every page, the
VAT and the totals kept together, the payment box, the notes, and on every page the seller's line and
"Invoice INV-1042 1 / 2" at the foot. Lengths are in points, `y` from the top of the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from faktura.documents.pdf.logo import Logo
from faktura.documents.pdf.text import (
    BASELINE,
    BOLD,
    LINE_HEIGHT,
    REGULAR,
    clamp,
    measured_lines,
    width,
    wrap,
)
from faktura.documents.pdf.view import DocumentView, PartyView, Row

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
LEFT, RIGHT, TOP, BOTTOM = 20 * MM, (210 - 18) * MM, 15 * MM, (297 - 24) * MM
WIDTH = RIGHT - LEFT

Color = tuple[float, float, float]


def rgb(hex_color: str) -> Color:
    return (int(hex_color[1:3], 16) / 255, int(hex_color[3:5], 16) / 255, int(hex_color[5:7], 16) / 255)


BLACK = (0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class Style:
    """The colours; posted on paper everything is black on white."""

    ink: Color
    grey: Color  # the foot, the currency note
    muted: Color  # labels of the facts and the VAT table
    accent: Color | None  # the merchant's colour, never on paper
    head_fill: Color | None
    box_fill: Color | None
    for_print: bool

    @classmethod
    def of(cls, accent: str | None, tint: str | None, *, for_print: bool) -> Style:
        if for_print:
            return cls(rgb("#1a1a1a"), BLACK, BLACK, None, None, None, True)
        return cls(
            rgb("#1a1a1a"),
            rgb("#555555"),
            rgb("#444444"),
            rgb(accent) if accent else None,
            rgb(tint) if tint else rgb("#f0f0f0"),
            rgb(tint) if tint else rgb("#f4f4f4"),
            False,
        )

    @property
    def strong(self) -> Color:
        return self.accent or self.ink


# font, size, colour, x, baseline, text, shear (0 upright, 0.2 for italics), letter spacing
Text = tuple[str, float, Color, float, float, str, float, float]


@dataclass(slots=True)
class Page:
    texts: list[Text] = field(default_factory=list)
    rules: list[tuple[float, float, float, float, float, Color]] = field(default_factory=list)
    fills: list[tuple[float, float, float, float, Color]] = field(default_factory=list)
    links: list[tuple[str, float, float, float, float]] = field(default_factory=list)
    images: list[tuple[Logo, float, float, float, float]] = field(default_factory=list)


@dataclass(slots=True)
class Block:
    """Lines of one font, size and colour, each with its width; `height` is what they take down the page."""

    lines: list[tuple[str, float]]
    font: str
    size: float
    color: Color

    @classmethod
    def of(cls, text: str, font: str, size: float, color: Color, room: float) -> Block:
        return cls(measured_lines(text, font, size, room), font, size, color)

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LINE_HEIGHT

    @property
    def widest(self) -> float:
        return max((w for _, w in self.lines), default=0.0)

    def put(
        self, page: Page, x: float, top: float, *, right: float | None = None, shear: float = 0.0
    ) -> float:
        """Draws the lines from `top`, left-aligned at `x` or right-aligned at `right`; returns the bottom."""
        step = self.size * LINE_HEIGHT
        baseline = top + self.size * BASELINE
        for line, line_width in self.lines:
            left = x if right is None else right - line_width
            page.texts.append((self.font, self.size, self.color, left, baseline, line, shear, 0.0))
            baseline += step
        return top + len(self.lines) * step


class Sheet:
    """The pages so far and how far down the current one is filled."""

    def __init__(self) -> None:
        self.pages = [Page()]
        self.y = TOP

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def fits(self, height: float) -> bool:
        return self.y + height <= BOTTOM

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = TOP


def compose(v: DocumentView, style: Style, logo: Logo | None, labels: dict[str, str]) -> list[Page]:
    """The document's pages; the foot is drawn by `foot` once the number of pages is known."""
    sheet = Sheet()
    _head(sheet, v, style, logo, labels)
    if v.credits:
        sheet.y = Block.of(v.credits, BOLD, 8.5, style.ink, WIDTH).put(sheet.page, LEFT, sheet.y) + 3 * MM
    _lines(sheet, v, style, labels)
    _summary(sheet, v, style, labels)
    if v.payment:
        _payment(sheet, v, style, labels)
    for note in v.notes:
        sheet.y += 3 * MM
        for line in Block.of(note, REGULAR, 8.5, style.ink, WIDTH).lines:
            _flow(sheet, Block([line], REGULAR, 8.5, style.ink))
    return sheet.pages


def foot(page: Page, v: DocumentView, style: Style, number: int, pages: int) -> None:
    """The seller's line (three lines at most) and the page number, below the page area."""
    top = BOTTOM + 3 * MM
    spans = " · ".join((v.seller.name, *v.seller.address, *v.seller.identifiers))
    numbering = Block.of(f"{v.title} {v.number} {number} / {pages}", REGULAR, 7.5, style.grey, WIDTH)
    room = min(140 * MM, WIDTH - numbering.widest - 3 * MM)
    lines = clamp(wrap(spans, REGULAR, 7.5, room), 3, REGULAR, 7.5, room)
    Block([(line, 0.0) for line in lines], REGULAR, 7.5, style.grey).put(page, LEFT, top)
    numbering.put(page, LEFT, top, right=RIGHT)


def _flow(sheet: Sheet, block: Block) -> None:
    """A block that may start a new page when it does not fit on this one."""
    if not sheet.fits(block.height):
        sheet.new_page()
    sheet.y = block.put(sheet.page, LEFT, sheet.y)


def _head(sheet: Sheet, v: DocumentView, style: Style, logo: Logo | None, labels: dict[str, str]) -> None:
    """Logo or name top left, the seller top right; below them the recipient at least 31 mm down on the left
    (the envelope's window) and the facts on the right. A long block pushes what follows down."""
    page, top = sheet.page, sheet.y
    if logo is not None:
        w, h = logo.fitted(70 * MM, 22 * MM)
        page.images.append((logo, LEFT, top, w, h))
        brand_height = h
    else:
        color = style.ink if style.for_print else style.strong
        brand_height = Block.of(v.seller.name, BOLD, 14, color, 80 * MM).put(page, LEFT, top) - top
    seller_bottom = _seller(page, v.seller, style, top)

    recipient_top = top + max(31 * MM, brand_height)
    y = recipient_top
    if style.for_print:
        back = Block.of(", ".join((v.seller.name, *v.seller.address)), REGULAR, 6.5, BLACK, 85 * MM)
        y = back.put(page, LEFT, y)
        page.rules.append((LEFT, y, LEFT + 85 * MM, y, 0.3, BLACK))
        y += 0.3 + 1.5 * MM
    y = _party_lines(page, v.buyer, style, y, room=85 * MM, size=9.5)
    for identifier in v.buyer.identifiers:
        y = Block.of(identifier, REGULAR, 8, style.ink, 85 * MM).put(page, LEFT, y + 1 * MM)
    recipient_bottom = max(y, recipient_top + 38 * MM)

    facts_left, facts_top = RIGHT - 80 * MM, max(recipient_top, seller_bottom)
    y = facts_top
    for line in wrap(v.title, BOLD, 20, 80 * MM, spacing=0.4):  # letter-spacing 0.02 em
        page.texts.append(
            (
                BOLD,
                20,
                style.ink if style.for_print else style.strong,
                facts_left,
                y + 20 * BASELINE,
                line,
                0.0,
                0.4,
            )
        )
        y += 20 * LINE_HEIGHT
    y = _pairs(
        page, v.facts, style, facts_left, y + 3 * MM, 80 * MM, pad=0.4 * MM, gap=4 * MM, label=style.muted
    )
    sheet.y = max(top + 72 * MM, recipient_bottom, y)


def _seller(page: Page, seller: PartyView, style: Style, top: float) -> float:
    y = Block.of(seller.name, BOLD, 8, style.ink, 85 * MM).put(page, 0, top, right=RIGHT)
    for line in (*seller.address, *seller.identifiers, *seller.contact):
        y = Block.of(line, REGULAR, 8, style.ink, 85 * MM).put(page, 0, y, right=RIGHT)
    return y


def _party_lines(page: Page, party: PartyView, style: Style, y: float, *, room: float, size: float) -> float:
    y = Block.of(party.name, BOLD, size, style.ink, room).put(page, LEFT, y)
    for line in party.address:
        y = Block.of(line, REGULAR, size, style.ink, room).put(page, LEFT, y)
    return y


def _pairs(
    page: Page,
    rows: tuple[Row, ...],
    style: Style,
    left: float,
    y: float,
    room: float,
    *,
    pad: float,
    gap: float,
    label: Color,
    value_right: bool = True,
) -> float:
    """Label and value rows: the labels on one line each, the values wrapped in what is left."""
    label_width = max(width(row.label, BOLD if row.strong else REGULAR, 8.5) for row in rows)
    value_room = room - label_width - gap
    for row in rows:
        font = BOLD if row.strong else REGULAR
        head = Block([(row.label, 0.0)], font, 8.5, style.ink if row.strong else label)
        value = Block.of(row.value, font, 8.5, style.ink, value_room)
        head.put(page, left, y + pad)
        if value_right:
            value.put(page, 0, y + pad, right=left + room)
        else:
            value.put(page, left + label_width + gap, y + pad)
        y += max(head.height, value.height) + 2 * pad
    return y


def _columns(v: DocumentView) -> list[tuple[float, bool]]:
    """Each column's width and whether its figures are right-aligned; the description takes the rest."""
    fixed = [(15 * MM, True), (13 * MM, False), (25 * MM, True)]
    if v.has_discounts:
        fixed.append((19 * MM, True))
    fixed += [(14 * MM, True), (27 * MM, True)]
    return [(WIDTH - sum(w for w, _ in fixed), False), *fixed]


def _lines(sheet: Sheet, v: DocumentView, style: Style, labels: dict[str, str]) -> None:
    columns = _columns(v)
    heads = [labels["col_description"], labels["col_quantity"], labels["col_unit"], v.unit_price_label]
    if v.has_discounts:
        heads.append(labels["col_discount"])
    heads += [labels["col_vat_rate"], labels["col_net_amount"]]
    pad_x, head_pad, cell_pad = 1.5 * MM, 1.5 * MM, 1.2 * MM
    head_blocks = [
        Block.of(head, BOLD, 8, style.ink, w - 2 * pad_x) for head, (w, _) in zip(heads, columns, strict=True)
    ]
    head_height = max(b.height for b in head_blocks) + 2 * head_pad
    line_color = style.ink if style.for_print or style.accent is None else style.accent

    def put_head() -> None:
        page, y = sheet.page, sheet.y
        if style.head_fill is not None:
            page.fills.append((LEFT, y, WIDTH, head_height, style.head_fill))
        x = LEFT
        for block, (w, numeric) in zip(head_blocks, columns, strict=True):
            top = y + (head_height - block.height) / 2  # CSS's vertical-align: middle
            block.put(page, x + pad_x, top, right=x + w - pad_x if numeric else None)
            x += w
        page.rules.append((LEFT, y + head_height, RIGHT, y + head_height, 0.6, line_color))
        sheet.y = y + head_height

    sheet.y += 2 * MM
    if not sheet.fits(head_height + 8.5 * LINE_HEIGHT + 2 * cell_pad):
        sheet.new_page()
    put_head()
    rule = rgb("#cccccc")
    description_room = columns[0][0] - 2 * pad_x
    for line in v.lines:
        cells = [line.quantity, line.unit, line.unit_price]
        if v.has_discounts:
            cells.append(line.discount)
        cells += [line.vat_rate, line.net_amount]
        description = Block.of(line.description, REGULAR, 8.5, style.ink, description_room)
        height = description.height + 2 * cell_pad
        if not sheet.fits(height):
            sheet.new_page()
            put_head()
        page, y = sheet.page, sheet.y
        description.put(page, LEFT + pad_x, y + cell_pad)
        baseline = y + cell_pad + 8.5 * BASELINE
        x = LEFT + columns[0][0]
        for value, (w, numeric) in zip(cells, columns[1:], strict=True):
            if value:
                left = x + w - pad_x - width(value, REGULAR, 8.5) if numeric else x + pad_x
                page.texts.append((REGULAR, 8.5, style.ink, left, baseline, value, 0.0, 0.0))
            x += w
        sheet.y = y + height
        page.rules.append((LEFT, sheet.y, RIGHT, sheet.y, 0.3, rule))
    note = Block.of(labels["amounts_in"], REGULAR, 7.5, style.grey, WIDTH)
    _flow_right(sheet, note, 1 * MM)


def _flow_right(sheet: Sheet, block: Block, above: float) -> None:
    if not sheet.fits(above + block.height):
        sheet.new_page()
        above = 0
    sheet.y = block.put(sheet.page, 0, sheet.y + above, right=RIGHT)


def _summary(sheet: Sheet, v: DocumentView, style: Style, labels: dict[str, str]) -> None:
    """The VAT per rate (80 mm on the left) and the totals (82 mm on the right), kept together."""
    staged = Page()
    vat_bottom = _vat(staged, v, style, labels)
    totals_bottom = _totals(staged, v, style)
    height = max(vat_bottom, totals_bottom)
    sheet.y += 5 * MM
    if not sheet.fits(height):
        sheet.new_page()
    _place(sheet.page, staged, sheet.y)
    sheet.y += height


def _place(page: Page, staged: Page, dy: float) -> None:
    """Moves what was laid out from y = 0 to `dy` on `page`."""
    page.texts += [(f, s, c, x, y + dy, t, sh, sp) for f, s, c, x, y, t, sh, sp in staged.texts]
    page.rules += [(x1, y1 + dy, x2, y2 + dy, w, c) for x1, y1, x2, y2, w, c in staged.rules]
    page.fills += [(x, y + dy, w, h, c) for x, y, w, h, c in staged.fills]
    page.links += [(url, x, y + dy, w, h) for url, x, y, w, h in staged.links]


def _vat(page: Page, v: DocumentView, style: Style, labels: dict[str, str]) -> float:
    room, pad = 80 * MM, 1 * MM
    y = Block.of(labels["vat_heading"], BOLD, 9, style.ink, room).put(page, LEFT, 0) + 1.5 * MM
    heads = [labels["col_taxable_amount"], labels["col_rate"], labels["col_vat_amount"]]
    rows = [(tax.taxable_amount, tax.rate, tax.tax_amount) for tax in v.vat]
    # CSS's automatic table layout: each column as wide as its widest cell, the rest shared in proportion.
    widest = [
        max(width(heads[n], REGULAR, 7.5), *(width(row[n], REGULAR, 8.5) for row in rows)) + 2 * pad
        for n in range(3)
    ]
    spare = max(0.0, room - sum(widest))
    widths = [w + spare * w / sum(widest) for w in widest]
    head_height = 7.5 * LINE_HEIGHT + 1.2 * MM
    x = LEFT
    for head, w in zip(heads, widths, strict=True):
        page.texts.append(
            (
                REGULAR,
                7.5,
                style.muted,
                x + w - pad - width(head, REGULAR, 7.5),
                y + 0.6 * MM + 7.5 * BASELINE,
                head,
                0.0,
                0.0,
            )
        )
        x += w
    y += head_height
    page.rules.append((LEFT, y, LEFT + room, y, 0.3, rgb("#999999") if not style.for_print else BLACK))
    for tax, row in zip(v.vat, rows, strict=True):
        x = LEFT
        baseline = y + 0.6 * MM + 8.5 * BASELINE
        for value, w in zip(row, widths, strict=True):
            page.texts.append(
                (REGULAR, 8.5, style.ink, x + w - pad - width(value, REGULAR, 8.5), baseline, value, 0.0, 0.0)
            )
            x += w
        y += 8.5 * LINE_HEIGHT + 1.2 * MM
        if tax.reason:
            reason = Block.of(tax.reason, REGULAR, 7.5, style.muted, room - 2 * pad)
            y = reason.put(page, LEFT + pad, y, shear=0.2) + 0.6 * MM
    return y


def _totals(page: Page, v: DocumentView, style: Style) -> float:
    left, room, pad = RIGHT - 82 * MM, 82 * MM, 0.8 * MM
    y = 0.0
    for row in v.totals:
        if row.strong:  # the amount due: larger, below a rule
            font, size, color = BOLD, 10.5, style.ink if style.for_print else style.strong
            value = Block.of(row.value, font, size, color, room)
            label = Block.of(row.label, font, size, color, room - value.widest - 3 * MM)
            page.rules.append((left, y, RIGHT, y, 0.8, style.ink))
            top = y + 0.4 + 1.5 * MM
        else:
            value = Block.of(row.value, REGULAR, 8.5, style.ink, room)
            label = Block.of(row.label, REGULAR, 8.5, style.ink, room - value.widest - 3 * MM)
            top = y + pad
        label.put(page, left, top)
        value.put(page, 0, top, right=RIGHT)
        y = top + max(label.height, value.height) + pad
    return y


def _payment(sheet: Sheet, v: DocumentView, style: Style, labels: dict[str, str]) -> None:
    """How to pay, in a shaded box with the accent on its left edge (a plain frame on paper), kept whole."""
    border = 0.6 if style.for_print else 1.2 * MM
    inner_left = LEFT + border + 4 * MM
    room = RIGHT - 4 * MM - (0.6 if style.for_print else 0) - inner_left
    staged = Page()
    y = 3 * MM + (0.6 if style.for_print else 0)
    y = Block.of(labels["payment_heading"], BOLD, 9, style.ink, room).put(staged, inner_left, y) + 1.5 * MM
    y = _pairs(
        staged,
        v.payment,
        style,
        inner_left,
        y,
        room,
        pad=0.5 * MM,
        gap=6 * MM,
        label=style.ink,
        value_right=False,
    )
    if v.pay_url:
        y += 2 * MM
        lead = f"{labels['pay_online']}: "
        lead_width = width(lead, REGULAR, 8.5)
        staged.texts.append((REGULAR, 8.5, style.ink, inner_left, y + 8.5 * BASELINE, lead, 0.0, 0.0))
        first_room = room - lead_width
        pieces = wrap(v.pay_url, REGULAR, 8.5, first_room)
        if len(pieces) > 1:  # break-all: the URL goes on right after the label and breaks anywhere
            first = _cut_to(v.pay_url, first_room)
            pieces = [first, *wrap(v.pay_url[len(first) :], REGULAR, 8.5, room)] if first else pieces
        x = inner_left + lead_width
        for piece in pieces:
            piece_width = width(piece, REGULAR, 8.5)
            baseline = y + 8.5 * BASELINE
            staged.texts.append((REGULAR, 8.5, style.ink, x, baseline, piece, 0.0, 0.0))
            staged.rules.append((x, baseline + 1.0, x + piece_width, baseline + 1.0, 0.5, style.ink))
            staged.links.append((v.pay_url, x, y, piece_width, 8.5 * LINE_HEIGHT))
            x = inner_left
            y += 8.5 * LINE_HEIGHT
    height = y + 3 * MM + (0.6 if style.for_print else 0)
    if style.for_print:
        staged.rules += [
            (LEFT, 0.3, RIGHT, 0.3, 0.6, BLACK),
            (LEFT, height - 0.3, RIGHT, height - 0.3, 0.6, BLACK),
            (LEFT + 0.3, 0, LEFT + 0.3, height, 0.6, BLACK),
            (RIGHT - 0.3, 0, RIGHT - 0.3, height, 0.6, BLACK),
        ]
    else:
        assert style.box_fill is not None
        staged.fills[:0] = [
            (LEFT, 0, WIDTH, height, style.box_fill),
            (LEFT, 0, border, height, style.strong),
        ]
    sheet.y += 6 * MM
    if not sheet.fits(height):
        sheet.new_page()
    _place(sheet.page, staged, sheet.y)
    sheet.y += height


def _cut_to(text: str, room: float) -> str:
    """The longest start of `text` that fits in `room`."""
    end = 0
    while end < len(text) and width(text[: end + 1], REGULAR, 8.5) <= room:
        end += 1
    return text[:end]
