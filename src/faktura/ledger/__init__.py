"""Double-entry books per merchant: one balanced journal entry for every money movement."""
