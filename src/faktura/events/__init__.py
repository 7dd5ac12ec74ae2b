"""Events: every state change, written in the same transaction, readable and delivered to webhooks."""
