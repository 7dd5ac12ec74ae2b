"""Invoices and credit notes as documents: the model, UBL e-invoices (out and in) and PDFs."""
