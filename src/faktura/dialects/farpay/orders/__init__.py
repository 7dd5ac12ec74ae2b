"""FarPay's orders (`/orders`): a payment request with the payer's page, on Faktura's orders and payments."""
