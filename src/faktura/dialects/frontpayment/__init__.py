"""Front Payment's FPGO Connect API under `/frontpayment/api/v1`: an integration that posts orders to
Front Payment points its base URL and bearer token at Faktura.

`docs/dialects/frontpayment.md` is the integrator's guide; `app.create` builds the application.
"""
