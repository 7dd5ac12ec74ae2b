"""Events: every state change, written in the same transaction, readable and delivered to webhooks."""

from faktura.events.service import record, snapshot

__all__ = ["record", "snapshot"]
