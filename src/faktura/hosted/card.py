"""The card form as the payer filled it in, and its problems as message keys of the payer's language.

The number and the CVC live only in a CardForm for the length of one request: never stored, never
logged, never written back into the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from faktura.kit.errors import ValidationFailed

_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")
_MAX_FIELD = 100

# The test gateway's field codes (payments.gateways.cards.check_card) -> our message keys.
_FIELD_MESSAGES = {
    "number": "error_card_number",
    "expMonth": "error_expiry",
    "expYear": "error_expiry",
    "cvc": "error_cvc",
}
_CODE_MESSAGES = {"card_expired": "error_card_expired"}
_FORM_FIELDS = {"number": "number", "expMonth": "expiry", "expYear": "expiry", "cvc": "cvc"}


@dataclass(slots=True)
class CardForm:
    number: str
    expiry: str
    cvc: str
    name: str
    exp_month: int = 0
    exp_year: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # form field -> message key

    def __repr__(self) -> str:
        # Whatever prints this (a traceback, a debugger) never shows the number or the CVC.
        return f"CardForm(expiry={self.expiry!r}, name={self.name!r}, errors={self.errors!r})"

    @property
    def kept_values(self) -> dict[str, str]:
        """What the form shows again after a problem: never the number or the CVC."""
        return {"expiry": self.expiry, "name": self.name}


def read_card(form: dict[str, str]) -> CardForm:
    """The card fields, with what can be checked before the gateway sees them."""
    card = CardForm(
        number=form.get("number", "")[:_MAX_FIELD].strip(),
        expiry=form.get("expiry", "")[:_MAX_FIELD].strip(),
        cvc=form.get("cvc", "")[:_MAX_FIELD].strip(),
        name=" ".join(form.get("name", "")[:_MAX_FIELD].split()),
    )
    if not card.number:
        card.errors["number"] = "error_card_number"
    match = _EXPIRY.match(card.expiry)
    if match is None or not 1 <= int(match.group(1)) <= 12:
        card.errors["expiry"] = "error_expiry"
    else:
        card.exp_month = int(match.group(1))
        card.exp_year = int(match.group(2))
    if not card.cvc:
        card.errors["cvc"] = "error_cvc"
    if not card.name:
        card.errors["name"] = "error_name"
    return card


def gateway_problems(error: ValidationFailed) -> dict[str, str]:
    """The gateway's refusal of the card details, as form field -> message key."""
    problems: dict[str, str] = {}
    for detail in error.details:
        form_field = _FORM_FIELDS.get(detail.field)
        if form_field is None:
            continue
        key = _CODE_MESSAGES.get(detail.code) or _FIELD_MESSAGES[detail.field]
        problems.setdefault(form_field, key)
    return problems or {"number": "error_card_number"}
