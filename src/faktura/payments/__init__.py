"""Gateways, payment intents, payments and refunds."""
