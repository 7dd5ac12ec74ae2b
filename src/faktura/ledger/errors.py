"""Refusals of the ledger."""

from __future__ import annotations

from faktura.kit.errors import InternalError, MissingResource


class JournalEntryNotFound(MissingResource):
    """No journal entry with this id for this merchant."""

    code = "journal_entry_not_found"


class LedgerError(InternalError):
    """The books refused a posting that would break them (an unknown account, debits unequal to
    credits): a fault of the server's, never the client's, answered as `internal_error`. Nothing was
    stored."""


class AlreadyPosted(LedgerError):
    """The same movement was about to be booked twice; nothing was stored."""
