"""FarPay API v2 under `/farpay/v2`: a FarPay integration points its base URL and key at Faktura.

`docs/dialects/farpay.md` is the integrator's guide; `app.create` builds the application.
"""
