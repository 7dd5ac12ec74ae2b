"""Invoices and credit notes: drafts, gap-free numbering, payments applied, credits and write-offs."""
