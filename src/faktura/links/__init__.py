"""Hosted-page tokens: the one public name of an order, a payment intent, an invoice or a credit note."""
