"""Refusals of the ledger."""

from __future__ import annotations

from faktura.kit.errors import MissingResource


class JournalEntryNotFound(MissingResource):
    """No journal entry with this id for this merchant."""

    code = "journal_entry_not_found"
