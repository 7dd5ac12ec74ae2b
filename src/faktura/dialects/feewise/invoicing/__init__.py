"""FeeWise's invoices and payments (createInvoice, the invoice reads, adjustInvoiceAmount,
recordExternalPayment, getChannelPartnerPayments), translated onto the native invoices and payments."""
