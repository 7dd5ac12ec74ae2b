"""Rehive's business invoices (`/rehive/api/manager/businesses/{business_id}/invoices/...`), served by
Faktura: a Rehive invoice is a native order of one line and its card payment on the payer's page."""
