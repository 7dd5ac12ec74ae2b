"""Whole billing stories share the payer's browser of the hosted-page tests."""

from tests.hosted.conftest import hosted_app, payer

__all__ = ["hosted_app", "payer"]
