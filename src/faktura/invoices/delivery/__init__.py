"""Invoice delivery: EHF (PEPPOL) first, then e-mail, then post, run by the worker as `invoice.deliver` jobs.

A sending of an invoice (send or resend) is one `InvoiceDelivery`; each channel it tries leaves an
`InvoiceDeliveryAttempt`. The invoice shows the outcome of its latest sending in `deliveryStatus`.
"""
