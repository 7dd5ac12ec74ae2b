"""Document hand-offs: a document a merchant's system hands Faktura to book, kept with what came of it.

FarPay's Deliveries are this: an OIOUBL invoice handed over (or announced, its file sent later to an
upload link) becomes an issued invoice, or an error naming the element at fault.
"""
