"""Front Payment's orders (`connect/orders/...`): an invoice order, on Faktura's customers, orders and
invoices."""
