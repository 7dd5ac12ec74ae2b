"""Provider dialects: the APIs of other billing providers, spoken by Faktura.

Each dialect (`farpay/`, later `feewise/`, `frontpayment/`, `rehive/`) is an application of its own,
mounted under its provider's prefix (`mounting.mount`), with the provider's paths, field names, casing,
auth header, error body and notifications, and its own OpenAPI document. It is a thin translation onto
the same services the native API uses: prices, VAT, states, numbering, ledger and delivery are theirs. A
dialect imports services and schemas, never repositories or models (the import contract checks it), and
maps the services' typed errors to its provider's error body by type and code, never by their text.
"""
