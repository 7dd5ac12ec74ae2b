"""The payer's hosted pages: pay an order, a payment intent or an invoice."""
