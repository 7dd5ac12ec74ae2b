"""The one calculator of line totals, discounts and VAT; pure, so every domain can price the same way."""
