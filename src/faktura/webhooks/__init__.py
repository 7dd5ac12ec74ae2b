"""Webhook endpoints and signed, retried deliveries of events."""
