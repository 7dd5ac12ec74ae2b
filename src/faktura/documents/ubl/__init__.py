"""UBL 2.1 e-invoices: PEPPOL BIS Billing 3.0 (Norwegian EHF) and Danish OIOUBL 2.1, written and read."""
