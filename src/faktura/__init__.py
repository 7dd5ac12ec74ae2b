"""Faktura: a self-hosted order-to-invoice billing and payments service."""

__version__ = "0.1.0"
