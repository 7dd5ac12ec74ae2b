"""Subscriptions and recurring billing."""
